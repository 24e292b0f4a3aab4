package io.github.lb4j.scatter;

import io.github.lb4j.Balancer;
import io.github.lb4j.Ticker;
import io.github.lb4j.retry.RetryPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs batches of independent tasks across the endpoints of a {@link Balancer} and gathers their
 * results in task order.
 *
 * <p>For each task, an attempt is placed with {@link Balancer#acquire(String, java.util.Set)} (so
 * the balancer's picker, weights, health and load bounds decide) and sent with the {@link
 * Transport}; the lease is reported and closed when the attempt ends, so least-connection and
 * peak-EWMA pickers see the real in-flight counts and latencies. On top of the balancer:
 *
 * <ul>
 *   <li>at most {@link Builder#maxInFlight} attempts are in flight in a batch, and at most {@link
 *       Builder#maxInFlightPerEndpoint} on one endpoint; a task waits until a slot frees;
 *   <li>a failed attempt (the transport's future failed, or {@link Builder#attemptTimeout} passed)
 *       is retried, preferably on an endpoint this task has not tried yet, until the task has had
 *       {@link Builder#maxAttempts} attempts; when the balancer has no endpoint for an attempt
 *       ({@link io.github.lb4j.NoAvailableEndpointException}) that attempt fails at once. The
 *       balancer is asked to exclude the endpoints the task already tried, those running it and
 *       those at their in-flight bound (hashing pickers then send the key where it would go without
 *       them); a task waits for room on an untried endpoint rather than go back to a tried one, and
 *       goes back only when no untried endpoint is left;
 *   <li>the most expensive tasks ({@link Task#cost()}) are sent first;
 *   <li>a task is not started on an endpoint that, at the speed measured in this batch (time per
 *       unit of cost), would end it after the other busy endpoints are expected to end all the work
 *       left: a slow endpoint takes part while much work is left and stops taking tasks towards the
 *       end, so the batch does not wait for a tail of tasks queued on it;
 *   <li>a straggler is hedged as the {@link HedgePolicy} says: a copy goes to another endpoint that
 *       is idle in the batch, the first answer wins and the other copy is cancelled; hedging with a
 *       balancer of one endpoint does nothing and logs a warning, once per scatter-gather;
 *   <li>progress is reported after each task that is over;
 *   <li>cancelling the returned future cancels every attempt in flight and every timer.
 * </ul>
 *
 * <p>The batch completes with the results in task order once all tasks have one, or with a {@link
 * ScatterGatherException} naming every task that failed after all its attempts (the batch runs
 * every task to its end before failing).
 *
 * <p>Threading: an instance is immutable and thread safe, and batches may run concurrently. A
 * batch's bookkeeping is serialized: the transport, the progress listener and the callbacks of the
 * returned future are called one at a time, from whichever thread drives the batch at that moment
 * (the caller of {@link #execute}, a thread completing a transport future, or a scheduler thread).
 * They must not block.
 *
 * @param <T> the type of task input
 * @param <R> the type of result
 */
public final class ScatterGather<T, R> {
  private static final Logger log = LoggerFactory.getLogger(ScatterGather.class);

  final Balancer balancer;
  final Transport<T, R> transport;
  final ScheduledExecutorService scheduler;
  final Ticker ticker;
  final RetryPolicy retryPolicy;
  final int maxInFlight;
  final int maxInFlightPerEndpoint;
  final Duration attemptTimeout;
  final HedgePolicy hedgePolicy;
  private final AtomicBoolean warnedSingleEndpoint = new AtomicBoolean();

  private ScatterGather(Builder<T, R> b) {
    this.balancer = b.balancer;
    this.transport = b.transport;
    this.scheduler = b.scheduler;
    this.ticker = b.ticker;
    this.retryPolicy = b.retryPolicy;
    this.maxInFlight = b.maxInFlight;
    this.maxInFlightPerEndpoint = b.maxInFlightPerEndpoint;
    this.attemptTimeout = b.attemptTimeout;
    this.hedgePolicy = b.hedgePolicy;
  }

  /**
   * Starts configuring a scatter-gather.
   *
   * @param balancer chooses the endpoint of each attempt; not closed by scatter-gather
   * @param transport sends one attempt
   * @param scheduler runs attempt timeouts and hedging timers; not shut down by scatter-gather
   * @param <T> the type of task input
   * @param <R> the type of result
   * @return a new builder
   */
  public static <T, R> Builder<T, R> builder(
      Balancer balancer, Transport<T, R> transport, ScheduledExecutorService scheduler) {
    return new Builder<>(balancer, transport, scheduler);
  }

  /**
   * Like {@link #execute(List, Consumer)} without a progress listener.
   *
   * @param tasks the tasks; the result list has the same order
   * @return the results in task order, or the failures
   */
  public CompletableFuture<List<R>> execute(List<Task<T>> tasks) {
    return execute(tasks, p -> {});
  }

  /**
   * Starts running a batch and returns at once.
   *
   * @param tasks the tasks; the result list has the same order
   * @param progress hears about each task that is over; a listener that throws is logged and
   *     otherwise ignored
   * @return the results in task order, or a {@link ScatterGatherException}; cancel it to cancel the
   *     batch
   * @throws IllegalArgumentException when a task is {@code null}
   */
  public CompletableFuture<List<R>> execute(
      List<Task<T>> tasks, Consumer<? super Progress> progress) {
    Objects.requireNonNull(tasks, "tasks");
    Objects.requireNonNull(progress, "progress");
    List<Task<T>> copy = new ArrayList<>(tasks.size());
    for (int i = 0; i < tasks.size(); i++) {
      Task<T> t = tasks.get(i);
      if (t == null) {
        throw new IllegalArgumentException("tasks[" + i + "]: null (expected: a task)");
      }
      copy.add(t);
    }
    if (hedgePolicy.enabled()
        && balancer.endpoints().size() == 1
        && warnedSingleEndpoint.compareAndSet(false, true)) {
      log.warn(
          "{}: hedging ({}) with a single endpoint ({}) does nothing: a hedged copy needs another"
              + " endpoint to go to (behind a proxy, give the workers' own addresses instead)",
          balancer.name(),
          hedgePolicy,
          balancer.endpoints().get(0).id());
    }
    return new Batch<>(this, copy, progress).start();
  }

  @Override
  public String toString() {
    return "ScatterGather{balancer="
        + balancer.name()
        + ", retryPolicy="
        + retryPolicy
        + ", maxInFlight="
        + maxInFlight
        + ", maxInFlightPerEndpoint="
        + maxInFlightPerEndpoint
        + ", attemptTimeout="
        + attemptTimeout
        + ", hedge="
        + hedgePolicy
        + "}";
  }

  /**
   * Configures a {@link ScatterGather}. Defaults: 3 attempts per task, 64 attempts in flight per
   * batch, 4 per endpoint, no attempt timeout, no hedging, the system ticker.
   *
   * <p>Threading: not thread safe; build on one thread, then share the built instance.
   *
   * @param <T> the type of task input
   * @param <R> the type of result
   */
  public static final class Builder<T, R> {
    private final Balancer balancer;
    private final Transport<T, R> transport;
    private final ScheduledExecutorService scheduler;
    private Ticker ticker = Ticker.system();
    private RetryPolicy retryPolicy = RetryPolicy.maxAttempts(3);
    private int maxInFlight = 64;
    private int maxInFlightPerEndpoint = 4;
    private Duration attemptTimeout;
    private HedgePolicy hedgePolicy = HedgePolicy.none();

    private Builder(
        Balancer balancer, Transport<T, R> transport, ScheduledExecutorService scheduler) {
      this.balancer = Objects.requireNonNull(balancer, "balancer");
      this.transport = Objects.requireNonNull(transport, "transport");
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    }

    /**
     * The clock latencies are measured with; {@link Ticker#system()} by default.
     *
     * @param ticker the time source
     * @return this builder
     */
    public Builder<T, R> ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * Attempts per task, the first included, {@code >= 1}; hedged copies count as attempts. Keeps
     * the {@linkplain #retryPolicy retry policy}'s budget.
     *
     * @param maxAttempts the attempt limit
     * @return this builder
     * @throws IllegalArgumentException if {@code maxAttempts < 1}
     */
    public Builder<T, R> maxAttempts(int maxAttempts) {
      this.retryPolicy = retryPolicy.withMaxAttempts(maxAttempts);
      return this;
    }

    /**
     * The attempt limit and the retry budget, as the HTTP integrations take them; {@code
     * RetryPolicy.maxAttempts(3)} (no budget beyond the limit) unless set. Retries and hedged
     * copies are paid from the budget, which may be shared with other batches and clients; a retry
     * the budget refuses fails the attempt for good, a hedge it refuses is not sent.
     *
     * @param retryPolicy the policy
     * @return this builder
     */
    public Builder<T, R> retryPolicy(RetryPolicy retryPolicy) {
      this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
      return this;
    }

    /**
     * Attempts in flight at once in one batch, {@code >= 1}.
     *
     * @param maxInFlight the most attempts in flight per batch
     * @return this builder
     */
    public Builder<T, R> maxInFlight(int maxInFlight) {
      this.maxInFlight = atLeastOne("maxInFlight", maxInFlight);
      return this;
    }

    /**
     * Attempts of one batch in flight at once on one endpoint, {@code >= 1}.
     *
     * @param maxInFlightPerEndpoint the most attempts in flight per endpoint
     * @return this builder
     */
    public Builder<T, R> maxInFlightPerEndpoint(int maxInFlightPerEndpoint) {
      this.maxInFlightPerEndpoint = atLeastOne("maxInFlightPerEndpoint", maxInFlightPerEndpoint);
      return this;
    }

    /**
     * How long one attempt may run before it counts as failed and is cancelled, {@code > 0}.
     * Without one, an attempt runs until its transport future completes.
     *
     * @param attemptTimeout the longest an attempt may run
     * @return this builder
     */
    public Builder<T, R> attemptTimeout(Duration attemptTimeout) {
      Objects.requireNonNull(attemptTimeout, "attemptTimeout");
      if (attemptTimeout.isNegative() || attemptTimeout.isZero()) {
        throw new IllegalArgumentException(
            "attemptTimeout: " + attemptTimeout + " (expected: > 0)");
      }
      this.attemptTimeout = attemptTimeout;
      return this;
    }

    /**
     * When to hedge stragglers; {@link HedgePolicy#none()} by default.
     *
     * @param hedgePolicy when to hedge
     * @return this builder
     */
    public Builder<T, R> hedge(HedgePolicy hedgePolicy) {
      this.hedgePolicy = Objects.requireNonNull(hedgePolicy, "hedgePolicy");
      return this;
    }

    /**
     * Builds an immutable, reusable scatter-gather.
     *
     * @return the scatter-gather
     */
    public ScatterGather<T, R> build() {
      return new ScatterGather<>(this);
    }

    private static int atLeastOne(String name, int value) {
      if (value < 1) {
        throw new IllegalArgumentException(name + ": " + value + " (expected: >= 1)");
      }
      return value;
    }
  }
}
