package io.github.lb4j.benchmarks;

import com.sun.management.OperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * The client CPU of one bare HTTP exchange of a Mandelbrot tile, with nothing of lb4j and none of
 * the render client's checks: the floor under the render benchmark's "client CPU per tile". Fetches
 * the same 128² tile (32 KiB of counts) from running workers, a fixed number of calls in flight,
 * three ways: OkHttp (configured as the render client's) with asynchronous calls started by one
 * driver thread, the same OkHttp client with blocking calls on a fixed set of threads that each
 * fetch one tile after another (no hand-off between threads per exchange), and the JDK's {@code
 * HttpClient}. Prints the process CPU and the Java threads' CPU per exchange for consecutive blocks
 * of calls, so the JIT's warm-up shows.
 *
 * <p>Run with {@code java -cp lb-benchmarks/target/benchmarks.jar
 * io.github.lb4j.benchmarks.HttpFloor URL[,URL...] [in-flight] [blocks] [calls-per-block]} (8 in
 * flight, 14 blocks of 5,000 calls unless given), with the workers' token in {@code LB4J_TOKEN};
 * {@code scripts/bench-render.sh} runs it against its identical workers.
 *
 * <p>Single-threaded driver; the clients' own threads, or the blocking calls' fixed set, make the
 * calls.
 */
public final class HttpFloor {
  private static final String QUERY =
      "/tile?reMin=-0.75&reMax=-0.6&imMin=0.0&imMax=0.15&width=128&height=128&maxIter=1000";
  private static final int BODY_BYTES = 128 * 128 * 2;

  private HttpFloor() {}

  /** One way of making a block of fetches. */
  private interface Block {
    /** {@code calls} fetches spread round {@code urls}, {@code inFlight} at a time. */
    void run(List<String> urls, int inFlight, int calls) throws Exception;
  }

  /** One way of fetching a URL's body asynchronously. */
  private interface Client {
    /** Fetches {@code url}; calls {@code done} with null or the failure, on any thread. */
    void fetch(String url, Consumer<Throwable> done);
  }

  /**
   * Runs the measurement and prints its Markdown table.
   *
   * @param args the workers' URLs (comma-separated), then optionally the calls in flight, the
   *     number of blocks and the calls per block
   * @throws IllegalArgumentException when an argument is missing or malformed, or {@code
   *     LB4J_TOKEN} is unset
   * @throws IllegalStateException when a fetch fails or answers anything but a whole tile
   */
  public static void main(String[] args) throws Exception {
    if (args.length < 1) {
      throw new IllegalArgumentException(
          "arguments: none (expected: URL[,URL...] [in-flight] [blocks] [calls-per-block])");
    }
    List<String> urls = Arrays.asList(args[0].split(","));
    int inFlight = positive("in-flight", args, 1, 8);
    int blocks = positive("blocks", args, 2, 14);
    int calls = positive("calls-per-block", args, 3, 5000);
    String token = System.getenv("LB4J_TOKEN");
    if (token == null || token.isEmpty()) {
      throw new IllegalArgumentException("LB4J_TOKEN: unset (expected: the workers' token)");
    }
    String auth = "Bearer " + token;

    // The render client's settings (the example's Cluster): 2 calls per worker stay well inside,
    // and no read, write or call timeout (each would take the socket's reads and writes through
    // Okio's watchdog thread). Its executor, which runs a call started by a callback on the
    // callback's thread, is left out: the driver here starts every call from its own thread.
    Dispatcher dispatcher = new Dispatcher();
    dispatcher.setMaxRequests(256);
    dispatcher.setMaxRequestsPerHost(64);
    OkHttpClient ok =
        new OkHttpClient.Builder()
            .dispatcher(dispatcher)
            .connectionPool(new ConnectionPool(16, 1, TimeUnit.MINUTES))
            .readTimeout(Duration.ZERO)
            .writeTimeout(Duration.ZERO)
            .callTimeout(Duration.ZERO)
            .build();
    HttpClient jdk = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    // Blocking calls, each of a fixed set of threads fetching one tile after another: no hand-off
    // between threads per exchange, against the asynchronous calls' two.
    ExecutorService blockers = Executors.newFixedThreadPool(inFlight);
    Map<String, Block> clients = new LinkedHashMap<>(); // in the order they are measured
    clients.put("okhttp", (u, f, c) -> run((url, done) -> okFetch(ok, url, auth, done), u, f, c));
    clients.put("okhttp-blocking", (u, f, c) -> runBlocking(blockers, ok, auth, u, f, c));
    clients.put("jdk", (u, f, c) -> run((url, done) -> jdkFetch(jdk, url, auth, done), u, f, c));

    System.out.printf(
        Locale.ROOT,
        "| client | block | calls | process CPU ms/call | Java threads CPU ms/call |%n"
            + "|---|---:|---:|---:|---:|%n");
    for (Map.Entry<String, Block> client : clients.entrySet()) {
      for (int b = 1; b <= blocks; b++) {
        long process = processCpu();
        Map<Long, Long> threads = threadsCpu();
        client.getValue().run(urls, inFlight, calls);
        System.out.printf(
            Locale.ROOT,
            "| %s | %d | %d | %.4f | %.4f |%n",
            client.getKey(),
            b,
            calls,
            (processCpu() - process) / 1e6 / calls,
            threadsCpuSince(threads) / 1e6 / calls);
      }
    }
    blockers.shutdown();
    ok.dispatcher().executorService().shutdown();
    ok.connectionPool().evictAll();
    System.exit(0); // the JDK client's selector thread is not a daemon in every release
  }

  private static int positive(String name, String[] args, int index, int otherwise) {
    if (args.length <= index) {
      return otherwise;
    }
    int v;
    try {
      v = Integer.parseInt(args[index]);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          name + ": '" + args[index] + "' (expected: a whole number > 0)", e);
    }
    if (v < 1) {
      throw new IllegalArgumentException(name + ": " + v + " (expected: > 0)");
    }
    return v;
  }

  /**
   * {@code calls} fetches spread round the URLs, {@code inFlight} at a time; fails on the first.
   */
  private static void run(Client client, List<String> urls, int inFlight, int calls)
      throws InterruptedException {
    Semaphore slots = new Semaphore(inFlight);
    CountDownLatch left = new CountDownLatch(calls);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    for (int i = 0; i < calls && failure.get() == null; i++) {
      slots.acquire();
      client.fetch(
          urls.get(i % urls.size()) + QUERY,
          e -> {
            if (e != null) {
              failure.compareAndSet(null, e);
            }
            slots.release();
            left.countDown();
          });
    }
    if (failure.get() == null) {
      left.await();
    }
    if (failure.get() != null) {
      throw new IllegalStateException("fetch failed: " + failure.get(), failure.get());
    }
  }

  /**
   * {@code calls} blocking fetches spread round the URLs by {@code inFlight} threads of {@code
   * threads}, each taking the next call once its last has ended; fails on the first failure.
   */
  private static void runBlocking(
      ExecutorService threads,
      OkHttpClient client,
      String auth,
      List<String> urls,
      int inFlight,
      int calls)
      throws Exception {
    AtomicInteger next = new AtomicInteger();
    List<Future<?>> loops = new ArrayList<>();
    for (int t = 0; t < inFlight; t++) {
      loops.add(
          threads.submit(
              () -> {
                for (int i; (i = next.getAndIncrement()) < calls; ) {
                  Request request =
                      new Request.Builder()
                          .url(urls.get(i % urls.size()) + QUERY)
                          .header("Authorization", auth)
                          .build();
                  try (Response response = client.newCall(request).execute()) {
                    ResponseBody body = response.body();
                    IOException wrong =
                        checked(response.code(), body == null ? 0 : body.bytes().length);
                    if (wrong != null) {
                      throw wrong;
                    }
                  }
                }
                return null;
              }));
    }
    for (Future<?> loop : loops) {
      try {
        loop.get();
      } catch (ExecutionException e) {
        next.set(calls); // stop the other loops
        throw new IllegalStateException("fetch failed: " + e.getCause(), e.getCause());
      }
    }
  }

  private static void okFetch(
      OkHttpClient client, String url, String auth, Consumer<Throwable> done) {
    Request request = new Request.Builder().url(url).header("Authorization", auth).build();
    client
        .newCall(request)
        .enqueue(
            new Callback() {
              @Override
              public void onFailure(Call call, IOException e) {
                done.accept(e);
              }

              @Override
              public void onResponse(Call call, Response response) {
                try (response) {
                  ResponseBody body = response.body();
                  done.accept(checked(response.code(), body == null ? 0 : body.bytes().length));
                } catch (IOException e) {
                  done.accept(e);
                }
              }
            });
  }

  private static void jdkFetch(
      HttpClient client, String url, String auth, Consumer<Throwable> done) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url)).header("Authorization", auth).build();
    // The stage whenComplete returns only mirrors the call's; nothing waits on it.
    CompletableFuture<?> unused =
        client
            .sendAsync(request, HttpResponse.BodyHandlers.ofByteArray())
            .whenComplete(
                (r, e) -> done.accept(e != null ? e : checked(r.statusCode(), r.body().length)));
  }

  /** Null for a 200 answer of a whole tile, else what is wrong with it. */
  private static IOException checked(int status, int bytes) {
    if (status != 200 || bytes != BODY_BYTES) {
      return new IOException(
          "HTTP " + status + " with " + bytes + " bytes (expected: 200 with " + BODY_BYTES + ")");
    }
    return null;
  }

  private static long processCpu() {
    return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** Each live thread's CPU time in nanoseconds, by thread id. */
  private static Map<Long, Long> threadsCpu() {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    Map<Long, Long> cpu = new HashMap<>();
    for (long id : mx.getAllThreadIds()) {
      long t = mx.getThreadCpuTime(id);
      if (t > 0) {
        cpu.put(id, t);
      }
    }
    return cpu;
  }

  /**
   * The CPU time the live threads used since {@code start}. A thread that ended in between is left
   * out with its time, so the figure is a lower bound, never negative.
   */
  private static long threadsCpuSince(Map<Long, Long> start) {
    long sum = 0;
    for (Map.Entry<Long, Long> now : threadsCpu().entrySet()) {
      sum += now.getValue() - start.getOrDefault(now.getKey(), 0L);
    }
    return sum;
  }
}
