package io.github.lb4j.example;

import io.github.lb4j.Balancer;
import io.github.lb4j.BalancerSnapshot;
import io.github.lb4j.Lease;
import io.github.lb4j.LoadReport;
import io.github.lb4j.NoAvailableEndpointException;
import io.github.lb4j.Ticker;
import io.github.lb4j.retry.Attempts;
import io.github.lb4j.retry.RetryBudget;
import io.github.lb4j.retry.RetryPolicy;
import java.io.IOException;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Sends a stream of asynchronous requests through a balancer to local workers over HTTP and counts
 * where they landed, as the workers themselves count them.
 *
 * <p>A request is {@code GET /tile} for a one-pixel tile with 32 iterations: a real worker answer
 * that costs microseconds, so the run measures how the balancer spreads calls rather than how fast
 * the workers compute. Each request carries an affinity key, a six-digit request id drawn from a
 * seeded generator (the same ids for every picker); pickers without affinity ignore it. A failed
 * attempt (a refused connection, an error answer) is reported on its lease and retried with a new
 * pick after an exponential backoff ({@value #FIRST_BACKOFF_MILLIS} ms, then twice as long each
 * time), up to a number of attempts; a request that fails them all is lost. The backoff is what a
 * real client does, and it matters here: a dead worker refuses connections in microseconds, so
 * without it a request could spend all its attempts on the dead worker before the balancer has seen
 * the failures that take it out.
 *
 * <p>Threading: {@link #run} blocks its caller until every request has finished; callbacks run on
 * OkHttp's dispatcher threads.
 */
final class LoadRun {
  /** The path and query of one request: a one-pixel tile with 32 iterations. */
  static final String TILE_QUERY =
      "tile?reMin=-0.75&reMax=-0.7499&imMin=0.1&imMax=0.1001&width=1&height=1&maxIter=32";

  /**
   * What one run measured.
   *
   * @param requests requests sent
   * @param served per worker id, the requests the worker itself counted during the run
   * @param answered per worker id, the answers that named it in {@code X-Worker-Id}
   * @param misrouted answers whose {@code X-Worker-Id} was not the endpoint the balancer chose
   * @param retried attempts sent again after a failed one
   * @param lost requests that failed every attempt
   * @param answers every answer with the worker that gave it and when, in no particular order;
   *     empty unless this load run records answers
   * @param snapshot the balancer's snapshot right after the last request finished
   */
  record Result(
      int requests,
      Map<String, Long> served,
      Map<String, Long> answered,
      int misrouted,
      int retried,
      int lost,
      List<Answer> answers,
      BalancerSnapshot snapshot) {

    /** The highest worker-counted load over the mean per worker. */
    double servedMaxOverMean() {
      return maxOverMean(served);
    }

    /** The ticker's reading at the first answer of {@code workerId}, if it gave any. */
    OptionalLong firstAnswerNanos(String workerId) {
      return answers.stream()
          .filter(a -> a.workerId().equals(workerId))
          .mapToLong(Answer::nanos)
          .min();
    }

    static double maxOverMean(Map<String, Long> counts) {
      long max = 0;
      long total = 0;
      for (long c : counts.values()) {
        max = Math.max(max, c);
        total += c;
      }
      return total == 0 ? 0 : max / ((double) total / counts.size());
    }
  }

  private final OkHttpClient client;
  private final int concurrency;
  private final RetryPolicy policy;
  private final Ticker ticker;
  private final boolean recordAnswers;
  private final ScheduledExecutorService retryTimer;

  /** The wait before the first retry of a request; each later retry waits twice as long. */
  static final long FIRST_BACKOFF_MILLIS = 10;

  /** One answer: the worker that gave it and the ticker's reading when it arrived. */
  record Answer(String workerId, long nanos) {}

  /**
   * @param client the HTTP client; its dispatcher must allow {@code concurrency} calls per host
   * @param concurrency requests in flight at once, {@code >= 1}
   * @param maxAttempts attempts per request, {@code >= 1}
   * @param ticker the clock of {@link Result#answers()}
   * @param recordAnswers whether to keep every answer's worker and time, for a timeline
   * @param retryTimer runs retries once their backoff has passed
   */
  LoadRun(
      OkHttpClient client,
      int concurrency,
      int maxAttempts,
      Ticker ticker,
      boolean recordAnswers,
      ScheduledExecutorService retryTimer) {
    this.client = client;
    this.concurrency = concurrency;
    // The backoff bounds the retry rate, so no budget: a request may use all its attempts.
    this.policy = RetryPolicy.maxAttempts(maxAttempts).withBudget(RetryBudget.unlimited());
    this.ticker = ticker;
    this.recordAnswers = recordAnswers;
    this.retryTimer = retryTimer;
  }

  /** {@code count} six-digit request ids from {@code seed}: the keys of a run. */
  static String[] requestIds(int count, long seed) {
    Random random = new Random(seed);
    String[] ids = new String[count];
    for (int i = 0; i < count; i++) {
      ids[i] = Integer.toString(100_000 + random.nextInt(900_000));
    }
    return ids;
  }

  /**
   * Sends one request per key through {@code balancer} and waits for all of them.
   *
   * @param workers the workers behind the balancer's endpoints, to read their own counters; read
   *     before the first request and after the last, so that it may include workers started during
   *     the run (which count from zero); a worker that cannot be asked after the run (a killed
   *     process) counts the answers that named it instead
   * @param keys the affinity key of each request
   * @param beforeRequest called on the caller's thread with each request's index before it is sent
   * @param onFinished called once per request when it has succeeded or been lost
   */
  Result run(
      Balancer balancer,
      Supplier<? extends Collection<? extends LocalWorker>> workers,
      String[] keys,
      IntConsumer beforeRequest,
      Runnable onFinished)
      throws InterruptedException {
    Map<String, Integer> servedBefore = new LinkedHashMap<>();
    for (LocalWorker w : workers.get()) {
      servedBefore.put(w.id(), Math.max(0, w.tilesServed()));
    }
    Requests attempts = new Requests(balancer, keys.length, onFinished);
    for (int i = 0; i < keys.length; i++) {
      beforeRequest.accept(i);
      attempts.slots.acquire();
      attempts.start(keys[i]);
    }
    if (!attempts.done.await(5, TimeUnit.MINUTES)) {
      throw new IllegalStateException(
          "requests: "
              + attempts.done.getCount()
              + " of "
              + keys.length
              + " still unfinished after 5 minutes (expected: all finished)");
    }
    Map<String, Long> served = new LinkedHashMap<>();
    for (LocalWorker w : workers.get()) {
      int after = w.tilesServed();
      // A killed worker process cannot be asked any more: its answers that arrived stand in.
      served.put(
          w.id(),
          after < 0
              ? attempts.answered.getOrDefault(w.id(), new AtomicInteger()).longValue()
              : (long) (after - servedBefore.getOrDefault(w.id(), 0)));
    }
    Map<String, Long> answered = new LinkedHashMap<>();
    for (String id : served.keySet()) {
      answered.put(id, attempts.answered.getOrDefault(id, new AtomicInteger()).longValue());
    }
    attempts.answered.forEach((id, n) -> answered.putIfAbsent(id, n.longValue()));
    return new Result(
        keys.length,
        served,
        answered,
        attempts.misrouted.get(),
        attempts.retried.get(),
        attempts.lost.get(),
        List.copyOf(attempts.answers),
        balancer.snapshot());
  }

  /**
   * The in-flight requests of one run. Each request runs lb4j's retry loop ({@link Attempts}):
   * attempts beyond the first go to an endpoint the request has not tried while there is one, and
   * back to a tried one (after the backoff) only when every endpoint was tried.
   */
  private final class Requests {
    final Balancer balancer;
    final Runnable onFinished;
    final Semaphore slots = new Semaphore(concurrency);
    final CountDownLatch done;
    final Map<String, AtomicInteger> answered = new ConcurrentHashMap<>();
    final Queue<Answer> answers = new ConcurrentLinkedQueue<>();
    final AtomicInteger misrouted = new AtomicInteger();
    final AtomicInteger retried = new AtomicInteger();
    final AtomicInteger lost = new AtomicInteger();

    Requests(Balancer balancer, int requests, Runnable onFinished) {
      this.balancer = balancer;
      this.onFinished = onFinished;
      this.done = new CountDownLatch(requests);
    }

    void start(String key) {
      send(policy.start(balancer, key));
    }

    void send(Attempts attempts) {
      Lease lease;
      try {
        lease = next(attempts);
      } catch (NoAvailableEndpointException | IllegalStateException e) {
        attempts.countFailedStart();
        failed(attempts);
        return;
      }
      if (lease == null) {
        failed(attempts); // no attempt left
        return;
      }
      HttpUrl url = HttpUrl.get(lease.endpoint().address().resolve("/" + TILE_QUERY));
      client
          .newCall(new Request.Builder().url(url).build())
          .enqueue(
              new Callback() {
                @Override
                public void onResponse(Call call, Response response) {
                  // For the reported-load picker: the worker's load, as the integrations hand it
                  // in.
                  lease.reportLoadHeader(response.header(LoadReport.HEADER));
                  boolean ok;
                  try (response) {
                    ok = response.isSuccessful();
                    if (ok) {
                      response.body().bytes(); // read the answer to the end
                      String id = response.header(WorkerServer.WORKER_ID_HEADER);
                      answered
                          .computeIfAbsent(String.valueOf(id), k -> new AtomicInteger())
                          .incrementAndGet();
                      if (recordAnswers) {
                        answers.add(new Answer(String.valueOf(id), ticker.read()));
                      }
                      if (!lease.endpoint().id().equals(id)) {
                        misrouted.incrementAndGet();
                      }
                    }
                  } catch (IOException e) {
                    lease.failure(e);
                    lease.close();
                    failed(attempts);
                    return;
                  }
                  try {
                    Attempts.report(lease, !ok);
                  } finally {
                    lease.close();
                  }
                  if (ok) {
                    finished();
                  } else {
                    failed(attempts);
                  }
                }

                @Override
                public void onFailure(Call call, IOException e) {
                  lease.failure(e);
                  lease.close();
                  failed(attempts);
                }
              });
    }

    /**
     * The next attempt's lease: on an endpoint the request has not tried, or, when it has tried
     * them all, on any (a worker may have recovered during the backoff); {@code null} when no
     * attempt is left.
     */
    private Lease next(Attempts call) {
      try {
        return call.next(Set.of(), true);
      } catch (NoAvailableEndpointException e) {
        if (call.tried().isEmpty()) {
          throw e;
        }
        return call.next(Set.of(), false);
      }
    }

    private void failed(Attempts call) {
      if (call.attemptsLeft()) {
        retried.incrementAndGet();
        // Not kept: the retry reports its outcome through its own call, as the first attempt did.
        ScheduledFuture<?> unused =
            retryTimer.schedule(
                () -> send(call), FIRST_BACKOFF_MILLIS << (call.made() - 1), TimeUnit.MILLISECONDS);
      } else {
        lost.incrementAndGet();
        finished();
      }
    }

    private void finished() {
      slots.release();
      done.countDown();
      onFinished.run();
    }
  }
}
