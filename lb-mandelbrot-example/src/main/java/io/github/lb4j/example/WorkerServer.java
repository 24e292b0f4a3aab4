package io.github.lb4j.example;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.github.lb4j.LoadReport;
import io.github.lb4j.Ticker;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * A Mandelbrot worker: an HTTP server answering {@code GET /tile} with a tile's iteration counts
 * (or a PNG) and {@code GET /health}. The API is described in {@code docs/worker-api.md}.
 *
 * <p>Each answer carries the worker's id in {@code X-Worker-Id} and the worker's load in {@value
 * LoadReport#HEADER} ({@link LoadMeter}). A tile is computed only for a request carrying the
 * workers' token, and its answer carries a checksum and a signature ({@link TileAuth}, {@link
 * TileVerifier}).
 *
 * <p>A slow factor {@code F > 1} slows every tile, in one of two {@linkplain SlowMode modes}:
 * {@code sleep} makes the answer wait {@code F - 1} times the compute time after computing (the
 * wait idles on the I/O thread: a higher latency that leaves the CPU to the neighbours on the same
 * machine), {@code spin} keeps the compute thread busy after computing until the tile has used
 * {@code F} times its CPU time (a worker on an {@code F} times slower CPU: less throughput, and the
 * CPU is taken from its neighbours).
 *
 * <p>A tile stops being computed, within a row, when its client disconnects or when the deadline it
 * sent in {@value #DEADLINE_HEADER} passes: a render that was cancelled or gave up frees the worker
 * at once.
 *
 * <p>Threading: requests are read and answered on the HTTP server's I/O threads; tiles are computed
 * on a separate pool of {@code threads} threads with a bounded queue, so {@code /health} answers
 * whatever the compute load. {@link #close()} may be called from any thread and stops the worker at
 * once, dropping the calls in flight.
 */
final class WorkerServer implements LocalWorker {
  static final String WORKER_ID_HEADER = "X-Worker-Id";

  /**
   * The request header giving how many milliseconds the client waits for the tile, counted from
   * when the worker reads the request; past that the worker stops computing it.
   */
  static final String DEADLINE_HEADER = "X-Deadline-Ms";

  /** The longest deadline a client may give. */
  static final long MAX_DEADLINE_MS = 3_600_000;

  /** Tiles that may wait for a compute thread; more are answered 503. */
  static final int MAX_QUEUED = 32;

  private static final Set<String> TILE_PARAMETERS =
      Set.of("reMin", "reMax", "imMin", "imMax", "width", "height", "maxIter", "format");

  /** How a slowed worker spends the extra time of a tile. */
  enum SlowMode {
    /** The answer waits, idle, after the tile is computed. */
    SLEEP,
    /** The compute thread keeps burning CPU until the tile has used F times its CPU time. */
    SPIN;

    /** The mode a {@code --slow-mode} value names: {@code sleep} or {@code spin}. */
    static SlowMode parse(String text) {
      for (SlowMode m : values()) {
        if (m.label().equals(text)) {
          return m;
        }
      }
      throw new InvalidParameterException(
          "slow-mode", "slow-mode: '" + text + "' (expected: sleep or spin)");
    }

    String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Computes a tile's counts, or {@code null} as soon as {@code stop} answers true. */
  @FunctionalInterface
  interface Kernel {
    int[] compute(TileSpec spec, BooleanSupplier stop) throws InterruptedException;
  }

  private final HttpServer server;
  private final ThreadPoolExecutor pool;
  private final Kernel kernel;
  private final Ticker ticker;
  private final String id;
  private final URI uri;
  private volatile double slowFactor;
  private volatile SlowMode slowMode = SlowMode.SLEEP;
  private final LoadMeter meter;
  private final AtomicLong pendingIterations = new AtomicLong();
  private final AtomicLong cpuNanos = new AtomicLong();
  private final AtomicInteger tilesServed = new AtomicInteger();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger stopped = new AtomicInteger();
  private volatile boolean closed;
  private final TileAuth auth;

  private WorkerServer(
      HttpServer server,
      ThreadPoolExecutor pool,
      Kernel kernel,
      Ticker ticker,
      String id,
      double slowFactor,
      TileAuth auth) {
    this.server = server;
    this.pool = pool;
    this.kernel = kernel;
    this.ticker = ticker;
    this.id = id;
    InetSocketAddress a = server.getAddress(); // read while listening: it knows the bound port
    this.uri = URI.create("http://" + a.getAddress().getHostAddress() + ":" + a.getPort());
    this.slowFactor = slowFactor;
    this.auth = auth;
    this.meter = new LoadMeter(ticker, pool.getMaximumPoolSize());
  }

  /**
   * Starts a worker.
   *
   * @param bind the address to listen on, such as {@code 127.0.0.1}
   * @param port the port, 0 for an ephemeral one
   * @param id the id reported in {@code X-Worker-Id}; {@code null} for {@code worker-<port>}
   * @param threads compute threads, {@code >= 1}
   * @param slowFactor {@code >= 1}; 1 for full speed
   * @param auth the token a tile request must carry, and signs the answers
   */
  static WorkerServer start(
      String bind, int port, String id, int threads, double slowFactor, TileAuth auth)
      throws IOException {
    return start(bind, port, id, threads, slowFactor, auth, Mandelbrot::iterate, Ticker.system());
  }

  /**
   * Like {@link #start(String, int, String, int, double, TileAuth)}, computing with {@code kernel}
   * and reading deadlines on {@code ticker}.
   */
  static WorkerServer start(
      String bind,
      int port,
      String id,
      int threads,
      double slowFactor,
      TileAuth auth,
      Kernel kernel,
      Ticker ticker)
      throws IOException {
    checkOptions(port, threads, slowFactor);
    // Every tile waiting for or on a compute thread holds an I/O thread: leave some for /health.
    HttpServers.Limits d = HttpServers.Limits.defaults();
    HttpServers.Limits limits =
        new HttpServers.Limits(
            Math.max(d.threads(), threads + MAX_QUEUED + 16),
            d.maxConnections(),
            d.idleTimeout(),
            d.maxHeaderBytes());
    HttpServer server =
        HttpServers.create(id != null ? id + "-http" : "worker-http", bind, port, limits);
    AtomicInteger n = new AtomicInteger();
    String workerId = id != null ? id : "worker-" + server.getAddress().getPort();
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            threads,
            threads,
            0,
            TimeUnit.MILLISECONDS,
            new LinkedBlockingQueue<>(MAX_QUEUED),
            r -> {
              Thread t = new Thread(r, workerId + "-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    WorkerServer worker =
        new WorkerServer(server, pool, kernel, ticker, workerId, slowFactor, auth);
    server.createContext("/tile", worker::tile);
    server.createContext("/health", worker::health);
    server.createContext(
        "/",
        ex -> {
          try (ex) {
            worker.error(ex, 404, "not found", null, "no such path: " + HttpServers.path(ex));
          }
        });
    return worker;
  }

  /** Checks the numbers {@link #start} takes, in the order it checks them. */
  static void checkOptions(int port, int threads, double slowFactor) {
    TileSpec.checkRange("threads", threads, 1, 256);
    checkSlowFactor(slowFactor);
    TileSpec.checkRange("port", port, 0, 65535);
  }

  /** Checks a slow factor: {@code >= 1} and finite. */
  static double checkSlowFactor(double slowFactor) {
    if (!(slowFactor >= 1) || Double.isInfinite(slowFactor)) {
      throw new InvalidParameterException(
          "slow", "slow: " + slowFactor + " (expected: >= 1 and finite, e.g. 4)");
    }
    return slowFactor;
  }

  @Override
  public String id() {
    return id;
  }

  /** The worker's address; the same after {@link #close()}. */
  @Override
  public URI uri() {
    return uri;
  }

  @Override
  public int tilesServed() {
    return tilesServed.get();
  }

  /** Tiles being computed now. */
  @Override
  public int inFlight() {
    return inFlight.get();
  }

  /** Tiles whose computation stopped early: their client left or their deadline passed. */
  int tilesStopped() {
    return stopped.get();
  }

  /** Whether {@link #close()} was called. */
  @Override
  public boolean isClosed() {
    return closed;
  }

  @Override
  public double slowFactor() {
    return slowFactor;
  }

  /** Changes the slow factor of the tiles answered from now on; {@code >= 1}, 1 for full speed. */
  @Override
  public void slowFactor(double factor) {
    this.slowFactor = checkSlowFactor(factor);
  }

  SlowMode slowMode() {
    return slowMode;
  }

  /** Changes how the tiles answered from now on are slowed; {@link SlowMode#SLEEP} unless set. */
  void slowMode(SlowMode mode) {
    this.slowMode = Objects.requireNonNull(mode, "mode");
  }

  /**
   * The CPU time the compute threads spent on tiles (a spin-slowed tile's extra time included), in
   * nanoseconds; 0 where the JVM cannot measure a thread's CPU time.
   */
  long cpuNanos() {
    return cpuNanos.get();
  }

  /** The load report this worker would send now. */
  LoadReport loadReport() {
    return meter.report(inFlight.get() + pool.getQueue().size(), pendingIterations.get());
  }

  /** Stops listening and drops every connection at once. Idempotent. */
  @Override
  public void close() {
    closed = true;
    server.stop(0);
    pool.shutdownNow();
  }

  private void health(HttpExchange ex) throws IOException {
    try (ex) {
      if (!HttpServers.isGet(ex.getRequestMethod())) {
        ex.getResponseHeaders().set("Allow", "GET, HEAD");
        error(ex, 405, "method not allowed", null, "use GET");
        return;
      }
      try {
        HttpServers.query(ex, Set.of());
      } catch (InvalidParameterException e) {
        error(ex, 400, "bad request", e.parameter(), e.getMessage());
        return;
      }
      send(
          ex,
          200,
          "application/json",
          ("{\"status\":\"ok\",\"id\":"
                  + Json.quote(id)
                  + ",\"tiles\":"
                  + tilesServed.get()
                  + ",\"inFlight\":"
                  + inFlight.get()
                  + ",\"queued\":"
                  + pool.getQueue().size()
                  + ",\"threads\":"
                  + pool.getMaximumPoolSize()
                  + ",\"stopped\":"
                  + stopped.get()
                  + ",\"pendingIterations\":"
                  + pendingIterations.get()
                  + ",\"cpuMs\":"
                  + cpuNanos.get() / 1_000_000
                  + "}")
              .getBytes(StandardCharsets.UTF_8));
    }
  }

  /**
   * {@code GET /tile}: parses the tile, computes it on the compute pool and answers its counts.
   * Runs on an I/O thread, which waits for the compute thread.
   */
  private void tile(HttpExchange ex) throws IOException {
    try (ex) {
      if (!HttpServers.isGet(ex.getRequestMethod())) {
        ex.getResponseHeaders().set("Allow", "GET, HEAD");
        error(ex, 405, "method not allowed", null, "use GET");
        return;
      }
      if (!auth.accepts(ex.getRequestHeaders().getFirst(TileAuth.AUTHORIZATION))) {
        ex.getResponseHeaders().set("WWW-Authenticate", "Bearer");
        error(
            ex,
            401,
            "unauthorized",
            null,
            "missing or wrong token (expected: Authorization: Bearer and the workers' token)");
        return;
      }
      TileSpec spec;
      boolean png;
      long deadlineMs;
      try {
        Map<String, String> q = HttpServers.query(ex, TILE_PARAMETERS);
        spec =
            new TileSpec(
                number(q, "reMin"),
                number(q, "reMax"),
                number(q, "imMin"),
                number(q, "imMax"),
                integer(q, "width"),
                integer(q, "height"),
                integer(q, "maxIter"));
        String format = q.getOrDefault("format", "raw");
        if (!format.equals("raw") && !format.equals("png")) {
          throw new InvalidParameterException(
              "format", "format: '" + format + "' (expected: raw or png)");
        }
        png = format.equals("png");
        deadlineMs = deadline(ex.getRequestHeaders().getFirst(DEADLINE_HEADER));
      } catch (InvalidParameterException e) {
        error(ex, 400, "bad request", e.parameter(), e.getMessage());
        return;
      }
      long start = ticker.read();
      int[] counts = compute(ex, spec, start, deadlineMs);
      if (counts == null) {
        return; // answered already: busy, stopped or failed
      }
      byte[] body = png ? TileCodec.encodePng(counts, spec) : TileCodec.encodeRaw(counts);
      double slow = slowFactor;
      if (slow > 1 && slowMode == SlowMode.SLEEP) {
        long extra = (long) ((ticker.read() - start) * (slow - 1));
        try {
          TimeUnit.NANOSECONDS.sleep(extra);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return; // the worker is stopping
        }
      }
      tilesServed.incrementAndGet();
      ex.getResponseHeaders().set(TileVerifier.CHECKSUM_HEADER, TileVerifier.checksum(body));
      ex.getResponseHeaders().set(TileAuth.SIGNATURE_HEADER, auth.sign(spec, body));
      send(ex, 200, png ? TileCodec.PNG_TYPE : TileCodec.RAW_TYPE, body);
    } catch (RuntimeException e) {
      error(ex, 500, "internal error", null, e.getClass().getSimpleName());
    }
  }

  /** The deadline header's milliseconds, or {@code -1} without one. */
  private static long deadline(String header) {
    if (header == null) {
      return -1;
    }
    long ms;
    try {
      ms = Long.parseLong(header.trim());
    } catch (NumberFormatException e) {
      ms = 0;
    }
    if (ms < 1 || ms > MAX_DEADLINE_MS) {
      throw new InvalidParameterException(
          DEADLINE_HEADER,
          DEADLINE_HEADER
              + ": '"
              + header
              + "' (expected: milliseconds in [1, "
              + MAX_DEADLINE_MS
              + "])");
    }
    return ms;
  }

  /**
   * Computes {@code spec} on the compute pool and waits for it; {@code null} once an answer (503
   * when the queue is full or the tile was stopped) has been sent instead.
   */
  private int[] compute(HttpExchange ex, TileSpec spec, long startNanos, long deadlineMs)
      throws IOException {
    BooleanSupplier gone = HttpServers.clientGone(ex);
    long deadlineNanos =
        deadlineMs < 0 ? 0 : startNanos + TimeUnit.MILLISECONDS.toNanos(deadlineMs);
    BooleanSupplier expired = () -> deadlineMs >= 0 && ticker.read() - deadlineNanos >= 0;
    BooleanSupplier stop = () -> closed || gone.getAsBoolean() || expired.getAsBoolean();
    long iterations = (long) spec.width() * spec.height() * spec.maxIter();
    Future<int[]> f;
    pendingIterations.addAndGet(iterations);
    try {
      f =
          pool.submit(
              () -> {
                inFlight.incrementAndGet();
                long busyStart = ticker.read();
                long cpuStart = threadCpuNanos();
                boolean done = false;
                try {
                  int[] counts = kernel.compute(spec, stop);
                  if (counts != null && slowMode == SlowMode.SPIN && slowFactor > 1) {
                    spin(cpuStart, slowFactor, stop);
                  }
                  done = counts != null;
                  if (!done) {
                    // Counted here, before inFlight drops, so that a reader who sees the tile
                    // leave also sees it stopped.
                    stopped.incrementAndGet();
                  }
                  return counts;
                } finally {
                  long cpu = cpuStart < 0 ? 0 : threadCpuNanos() - cpuStart;
                  cpuNanos.addAndGet(cpu);
                  if (done) {
                    meter.tileDone(ticker.read() - busyStart, cpu);
                  }
                  pendingIterations.addAndGet(-iterations);
                  inFlight.decrementAndGet();
                }
              });
    } catch (RejectedExecutionException e) {
      pendingIterations.addAndGet(-iterations);
      ex.getResponseHeaders().set("Retry-After", "1");
      error(ex, 503, "busy", null, "the worker has " + MAX_QUEUED + " tiles waiting already");
      return null;
    }
    int[] counts;
    try {
      counts = f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      f.cancel(true);
      return null; // the worker is stopping
    } catch (ExecutionException e) {
      if (closed) {
        return null;
      }
      error(ex, 500, "internal error", null, e.getCause().getClass().getSimpleName());
      return null;
    }
    if (counts == null) {
      // Nobody may be listening: the answer is for a client whose deadline passed.
      error(
          ex,
          503,
          "stopped",
          null,
          expired.getAsBoolean()
              ? "the tile's deadline (" + deadlineMs + " ms) passed"
              : "the client left");
    }
    return counts;
  }

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  /** The calling thread's CPU time in nanoseconds, or {@code -1} where the JVM cannot tell. */
  private static long threadCpuNanos() {
    return THREADS.isCurrentThreadCpuTimeSupported() ? THREADS.getCurrentThreadCpuTime() : -1;
  }

  /** Sink of the spin loop's arithmetic, so that the JIT cannot drop the loop. */
  @SuppressWarnings("unused")
  private volatile long spinSink;

  /**
   * Keeps the calling compute thread busy until it has used {@code factor} times the CPU time it
   * used since {@code cpuStart}, or until {@code stop}. Counted in CPU time rather than wall time,
   * so that the factor holds on a shared machine: a spinner that is descheduled does not count the
   * time it waited. Where thread CPU time cannot be read, spins for the wall time instead.
   */
  private void spin(long cpuStart, double factor, BooleanSupplier stop) {
    boolean cpu = cpuStart >= 0;
    long start = cpu ? cpuStart : ticker.read();
    long used = (cpu ? threadCpuNanos() : ticker.read()) - start;
    long until = start + (long) (used * factor);
    long x = used;
    while ((cpu ? threadCpuNanos() : ticker.read()) - until < 0 && !stop.getAsBoolean()) {
      for (int i = 0; i < 10_000; i++) { // about 10 µs between looks at the clock
        x = x * 6364136223846793005L + 1442695040888963407L;
      }
    }
    spinSink = x;
  }

  private void error(HttpExchange ex, int status, String error, String parameter, String message)
      throws IOException {
    headers(ex);
    HttpServers.sendError(ex, status, error, parameter, message);
  }

  private void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
    headers(ex);
    HttpServers.send(ex, status, type, body);
  }

  /** The headers of every answer: the worker's id and its load. */
  private void headers(HttpExchange ex) {
    ex.getResponseHeaders().set(WORKER_ID_HEADER, id);
    ex.getResponseHeaders().set(LoadReport.HEADER, loadReport().toHeaderValue());
  }

  private static String required(Map<String, String> q, String name, String expected) {
    String v = q.get(name);
    if (v == null || v.isEmpty()) {
      throw new InvalidParameterException(name, name + ": missing (expected: " + expected + ")");
    }
    return v;
  }

  private static double number(Map<String, String> q, String name) {
    String v = required(q, name, "a finite number");
    double d;
    try {
      d = Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new InvalidParameterException(name, name + ": '" + v + "' (expected: a finite number)");
    }
    TileSpec.checkFinite(name, d);
    return d;
  }

  private static int integer(Map<String, String> q, String name) {
    String v = required(q, name, "an integer");
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new InvalidParameterException(name, name + ": '" + v + "' (expected: an integer)");
    }
  }
}
