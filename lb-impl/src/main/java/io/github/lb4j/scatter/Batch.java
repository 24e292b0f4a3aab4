package io.github.lb4j.scatter;

import io.github.lb4j.Endpoint;
import io.github.lb4j.Lease;
import io.github.lb4j.retry.Attempts;
import io.github.lb4j.scatter.ScatterGatherException.AttemptFailure;
import io.github.lb4j.scatter.ScatterGatherException.TaskFailure;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running batch of a {@link ScatterGather}.
 *
 * <p>Every state change runs as an event on {@link #events}, a {@link SerialExecutor} that runs on
 * whichever thread submits when it is idle and queues otherwise, so the fields below need no locks
 * and re-entrant completions (a transport that answers synchronously) do not recurse.
 *
 * <p>Tasks are queued most expensive first (a stable sort on {@link Task#cost()}). A due hedge goes
 * only to an endpoint with no attempt of this batch in flight; while there is none it waits in
 * {@link #hedgesWaiting} and is tried again whenever an attempt ends. Since no hedge can go out
 * while every endpoint is busy, an attempt's hedge timer is armed only once some endpoint stays
 * idle after dispatching ({@link #unarmed} holds the attempts until then): during the bulk of a
 * batch, with every endpoint full, no timer is scheduled or cancelled per attempt.
 */
final class Batch<T, R> {
  private static final Logger log = LoggerFactory.getLogger(Batch.class);

  private final ScatterGather<T, R> config;
  private final Consumer<? super Progress> progress;
  private final List<TaskState> tasks;
  private final Object[] results;
  private final CompletableFuture<List<R>> result = new CompletableFuture<>();
  private final Executor events = new SerialExecutor();

  // Everything below is touched only by events.
  private final ArrayDeque<Item> queue = new ArrayDeque<>();
  private final Map<String, EndpointStats> stats = new LinkedHashMap<>();
  private final List<TaskState> awaitingHedgeThreshold = new ArrayList<>();
  private final List<TaskState> hedgesWaiting = new ArrayList<>();
  private final Set<Attempt> unarmed = new LinkedHashSet<>(); // originals without a hedge timer
  private int busyEndpoints; // endpoints with an attempt of this batch in flight
  private int knownEndpoints; // the balancer's endpoints at the start, or more when seen
  // Successful attempts' samples, sorted lazily when a threshold is needed: their latencies for
  // the percentile policy, their nanoseconds per unit of work for the expected-time policy.
  private double[] samples = new double[16];
  private int sampleCount;
  private boolean samplesSorted = true;
  private int inFlight;
  private long queuedCost; // the costs of the tasks not started yet (first attempts in the queue)
  private int completed;
  private int failed;
  private int retries;
  private int hedges;
  private boolean over;

  Batch(ScatterGather<T, R> config, List<Task<T>> tasks, Consumer<? super Progress> progress) {
    this.config = config;
    this.progress = progress;
    this.tasks = new ArrayList<>(tasks.size());
    this.results = new Object[tasks.size()];
    for (int i = 0; i < tasks.size(); i++) {
      this.tasks.add(new TaskState(i, tasks.get(i)));
    }
  }

  CompletableFuture<List<R>> start() {
    // The stage whenComplete returns only mirrors the future it listens to; nothing waits on it.
    CompletableFuture<List<R>> unused =
        result.whenComplete(
            (r, e) -> {
              if (e instanceof CancellationException) {
                events.execute(this::cancelAll);
              }
            });
    events.execute(
        () -> {
          knownEndpoints = config.balancer.endpoints().size();
          List<TaskState> byCost = new ArrayList<>(tasks);
          // Stable: tasks of equal cost keep their order.
          byCost.sort(Comparator.comparingLong((TaskState t) -> t.task.cost()).reversed());
          for (TaskState t : byCost) {
            queue.addLast(new Item(t, false));
            queuedCost += t.task.cost();
          }
          pump();
        });
    return result;
  }

  /** Sends queued attempts while there is room, then completes the batch if it is over. */
  private void pump() {
    dispatch();
    if (!unarmed.isEmpty() && busyEndpoints < knownEndpoints) {
      // An endpoint is idle and stays so: stragglers now have somewhere to go.
      List<Attempt> arm = new ArrayList<>(unarmed);
      unarmed.clear();
      // Overdue ones queue their hedge at once, each at the front: the oldest is armed last so that
      // it goes first.
      for (int i = arm.size() - 1; i >= 0; i--) {
        armHedge(arm.get(i).task, arm.get(i));
      }
      dispatch();
    }
    finishIfOver();
  }

  private void dispatch() {
    while (!over && !queue.isEmpty() && inFlight < config.maxInFlight) {
      Item item = queue.peekFirst();
      TaskState t = item.task;
      if (t.over || (item.hedge && t.running.size() != 1)) {
        queue.pollFirst();
        continue;
      }
      if (item.hedge) {
        queue.pollFirst();
        sendHedge(t);
        continue;
      }
      Choice choice = choose(t);
      if (choice.lease != null) {
        queue.pollFirst();
        send(t, choice.lease, item.hedge);
      } else if (choice.allFull) {
        return; // wait for an attempt to end
      } else {
        queue.pollFirst();
        started(t); // it could not start: its cost is no longer work left to place
        Throwable cause =
            choice.noEndpoint != null
                ? choice.noEndpoint
                : new IllegalStateException("no endpoint could be chosen");
        t.attempts.countFailedStart();
        attemptFailed(t, null, cause);
      }
    }
  }

  /**
   * Sends the hedge of {@code t} to an endpoint with no attempt of this batch in flight that has
   * not tried {@code t}, or makes it wait for one. A hedge the retry budget refuses is dropped: the
   * original attempt goes on.
   */
  private void sendHedge(TaskState t) {
    Set<String> busy = new HashSet<>();
    for (Map.Entry<String, EndpointStats> e : stats.entrySet()) {
      if (e.getValue().inFlight > 0) {
        busy.add(e.getKey());
      }
    }
    Lease lease;
    try {
      lease = t.attempts.next(busy, true);
    } catch (RuntimeException e) { // no idle endpoint now, or a closed balancer
      if (!hedgesWaiting.contains(t)) {
        hedgesWaiting.add(t);
      }
      return;
    }
    if (lease != null) {
      send(t, lease, true);
    }
  }

  /**
   * Acquires a lease for an attempt of {@code t}: one on an endpoint with room that this task has
   * not tried, else one on a tried endpoint with room, else nothing. The balancer is asked to
   * exclude what cannot be used, so load-aware pickers and hashing pickers (the key's own fallback)
   * decide among the rest.
   */
  private Choice choose(TaskState t) {
    if (everyEndpointFull()) {
      // The balancer could only refuse, by an exception built (message and stack) for every tile
      // that waits for a slot: wait for room without asking it.
      return new Choice(null, true, null);
    }
    Set<String> unusable = new HashSet<>(); // full, or already running this task
    boolean anyFull = false; // some endpoint will have room later
    boolean untriedFull = false; // an endpoint this task has not tried will have room later
    for (Map.Entry<String, EndpointStats> e : stats.entrySet()) {
      if (e.getValue().inFlight >= config.maxInFlightPerEndpoint) {
        unusable.add(e.getKey());
        anyFull = true;
        untriedFull |= !t.attempts.tried().contains(e.getKey());
      }
    }
    for (Attempt a : t.running) {
      unusable.add(a.lease.endpoint().id());
    }
    boolean deferred = deferLateEndpoints(t, unusable);
    if (deferred && excludesEvery(unusable)) {
      return new Choice(null, true, null); // every endpoint full, deferred or running t: as above
    }
    RuntimeException none;
    try {
      return leased(t.attempts.next(unusable, true));
    } catch (RuntimeException e) { // NoAvailableEndpointException, or a closed balancer
      none = e;
    }
    if (deferred || untriedFull) {
      return new Choice(null, true, null); // wait for room rather than go back to a tried one
    }
    if (!t.attempts.tried().isEmpty()) {
      try {
        return leased(t.attempts.next(unusable, false));
      } catch (RuntimeException e) {
        none = e;
      }
    }
    return anyFull ? new Choice(null, true, null) : new Choice(null, false, none);
  }

  /**
   * Adds to {@code unusable} each endpoint that would end {@code t} after the time the batch's
   * other busy endpoints are expected to need for all the work left (queued and in flight), at the
   * speeds measured in this batch; returns whether it added any. Starting a task there could only
   * make the batch end later: it is better to wait for a faster endpoint's slot. During the bulk of
   * a batch the work left is large and every endpoint is used; towards its end a slow endpoint
   * stops taking tasks, so the batch does not wait for a tail of tasks queued on it.
   *
   * <p>An endpoint's speed is the average of its attempts' nanoseconds per unit of work (the cost
   * of the task and of those ahead of it there); one with no answer yet in this batch is never
   * deferred, and only busy endpoints make up the expected time, so that deferring always leaves an
   * attempt in flight whose end retries the choice.
   */
  private boolean deferLateEndpoints(TaskState t, Set<String> unusable) {
    if (t.attempts.made() > 0 || stats.size() < 2) {
      return false; // retries go where they can; a single endpoint has no faster alternative
    }
    long cost = t.task.cost();
    double speed = 0; // units of work per nanosecond, over the busy endpoints with a known speed
    double busyWork = 0; // the cost in flight on them
    for (EndpointStats s : stats.values()) {
      if (s.inFlight > 0 && s.nanosPerWork > 0) {
        speed += 1 / s.nanosPerWork;
        busyWork += s.runningCost;
      }
    }
    if (speed == 0) {
      return false;
    }
    // The queue still counts this task; the work left is the same whichever endpoint takes it.
    double left = queuedCost + busyWork;
    boolean any = false;
    for (Map.Entry<String, EndpointStats> e : stats.entrySet()) {
      EndpointStats s = e.getValue();
      if (s.nanosPerWork <= 0 || unusable.contains(e.getKey())) {
        continue;
      }
      double othersSpeed = s.inFlight > 0 ? speed - 1 / s.nanosPerWork : speed;
      double othersLeft = s.inFlight > 0 ? left - s.runningCost : left;
      double here = s.nanosPerWork * (s.runningCost + cost);
      if (othersSpeed > 0 && here > othersLeft / othersSpeed) {
        unusable.add(e.getKey());
        any = true;
      }
    }
    return any;
  }

  /** Takes {@code t}'s cost out of the work left to place, once: its first attempt is settled. */
  private void started(TaskState t) {
    if (!t.started) {
      t.started = true;
      queuedCost -= t.task.cost();
    }
  }

  /** Whether the balancer has endpoints and every one of them is at this batch's cap. */
  private boolean everyEndpointFull() {
    return every(
        e -> {
          EndpointStats s = stats.get(e.id());
          return s != null && s.inFlight >= config.maxInFlightPerEndpoint;
        });
  }

  /** Whether the balancer has endpoints and {@code ids} holds every one of them. */
  private boolean excludesEvery(Set<String> ids) {
    return every(e -> ids.contains(e.id()));
  }

  private boolean every(Predicate<Endpoint> test) {
    List<Endpoint> endpoints = config.balancer.endpoints();
    if (endpoints.isEmpty()) {
      return false;
    }
    for (Endpoint e : endpoints) {
      if (!test.test(e)) {
        return false;
      }
    }
    return true;
  }

  /** The choice of a lease, or of failing the attempt when the retry budget refused it. */
  private Choice leased(Lease lease) {
    if (lease == null) {
      return new Choice(
          null, false, new IllegalStateException("retry budget spent: " + config.retryPolicy));
    }
    return new Choice(lease, false, null);
  }

  private void send(TaskState t, Lease lease, boolean hedge) {
    Endpoint ep = lease.endpoint();
    EndpointStats s = stats(ep);
    if (!hedge) {
      started(t);
    }
    // What the endpoint has to get through before it answers: this task and those ahead of it.
    Attempt a = new Attempt(t, lease, config.ticker.read(), t.task.cost() + s.runningCost);
    t.running.add(a);
    inFlight++;
    if (s.inFlight++ == 0) {
      busyEndpoints++;
    }
    s.runningCost += t.task.cost();
    s.attempts++;
    if (hedge) {
      hedges++;
    } else if (t.attempts.made() > 1) {
      retries++;
    }
    CompletableFuture<R> future;
    try {
      future = config.transport.send(lease, t.task.input());
      if (future == null) {
        future =
            CompletableFuture.failedFuture(
                new NullPointerException(
                    "transport.send(" + ep.id() + ", ...): null (expected: a future)"));
      }
    } catch (RuntimeException e) {
      future = CompletableFuture.failedFuture(e);
    }
    a.future = future;
    if (config.attemptTimeout != null) {
      long nanos = config.attemptTimeout.toNanos();
      a.timeout = schedule(() -> timedOut(a), nanos);
    }
    if (!hedge && config.hedgePolicy.enabled()) {
      unarmed.add(a); // armed by pump once an endpoint is idle
    }
    // The stage whenComplete returns only mirrors the future it listens to; nothing waits on it.
    CompletableFuture<?> unused =
        future.whenComplete((r, e) -> events.execute(() -> attemptEnded(a, r, e)));
  }

  private void timedOut(Attempt a) {
    if (a.ended) {
      return;
    }
    a.future.cancel(true); // its completion event comes after this one and is ignored
    attemptEnded(
        a,
        null,
        new TimeoutException("no answer within " + config.attemptTimeout.toMillis() + " ms"));
  }

  private void attemptEnded(Attempt a, R value, Throwable error) {
    if (a.ended) {
      return; // already timed out, lost a hedge race, or cancelled
    }
    release(a);
    TaskState t = a.task;
    if (over || t.over) {
      a.lease.close();
      return;
    }
    EndpointStats s = stats(a.lease.endpoint());
    if (error == null) {
      long latency = config.ticker.read() - a.startNanos;
      a.lease.success();
      a.lease.close();
      s.completed++;
      s.latencyNanosTotal += latency;
      s.observeSpeed(latency, a.work);
      addSample(latency, a.work);
      t.over = true;
      results[t.index] = value;
      completed++;
      abandon(t);
      report();
    } else {
      Throwable cause = unwrap(error);
      a.lease.failure(cause);
      a.lease.close();
      s.failures++;
      attemptFailed(t, a.lease.endpoint(), cause);
    }
    pump();
  }

  /** Records a failed attempt (already counted in {@code t.attempts}) and retries or gives up. */
  private void attemptFailed(TaskState t, Endpoint ep, Throwable cause) {
    t.failures.add(new AttemptFailure(ep, cause));
    if (!t.running.isEmpty()) {
      return; // a hedged copy is still running
    }
    hedgesWaiting.remove(t); // a waiting hedge was for the attempt that just failed
    if (t.attempts.attemptsLeft()) {
      queue.addFirst(new Item(t, false));
    } else {
      t.over = true;
      t.failedForGood = true;
      failed++;
      cancel(t.hedgeTimer);
      report();
    }
  }

  private void release(Attempt a) {
    a.ended = true;
    cancel(a.timeout);
    a.task.running.remove(a);
    inFlight--;
    unarmed.remove(a);
    EndpointStats s = stats(a.lease.endpoint());
    if (--s.inFlight == 0) {
      busyEndpoints--;
    }
    s.runningCost -= a.task.task.cost();
    if (s.inFlight == 0 && !hedgesWaiting.isEmpty()) {
      // An endpoint fell idle: the waiting hedges may go there, ahead of everything else.
      for (int i = hedgesWaiting.size() - 1; i >= 0; i--) {
        queue.addFirst(new Item(hedgesWaiting.get(i), true));
      }
      hedgesWaiting.clear();
    }
  }

  // ---- hedging

  private void armHedge(TaskState t, Attempt a) {
    HedgePolicy policy = config.hedgePolicy;
    if (!policy.enabled() || t.hedged || !t.attempts.attemptsLeft()) {
      return;
    }
    long threshold = hedgeThresholdNanos(a);
    if (threshold < 0) {
      awaitingHedgeThreshold.add(t);
      return;
    }
    long delay = a.startNanos + threshold - config.ticker.read();
    cancel(t.hedgeTimer);
    if (delay <= 0) {
      queueHedgeIfDue(t, a); // overdue already (armed late, once an endpoint fell idle)
      return;
    }
    t.hedgeTimer = schedule(() -> hedgeDue(t, a), delay);
  }

  private void hedgeDue(TaskState t, Attempt a) {
    if (queueHedgeIfDue(t, a)) {
      pump();
    }
  }

  /** Queues the hedge of {@code a} if it is still wanted and due; re-arms it if not due yet. */
  private boolean queueHedgeIfDue(TaskState t, Attempt a) {
    if (over || t.over || t.hedged || a.ended || t.running.size() != 1) {
      return false;
    }
    long elapsed = config.ticker.read() - a.startNanos;
    long threshold = hedgeThresholdNanos(a);
    if (elapsed < threshold) {
      armHedge(t, a); // the percentile or the median grew since the timer was set
      return false;
    }
    if (!t.attempts.attemptsLeft()) {
      return false;
    }
    t.hedged = true;
    queue.addFirst(new Item(t, true));
    return true;
  }

  /**
   * How long {@code a} may run before it is hedged, or -1 when there are not enough samples yet.
   */
  private long hedgeThresholdNanos(Attempt a) {
    HedgePolicy policy = config.hedgePolicy;
    if (policy.fixedDelay() != null) {
      return policy.fixedDelay().toNanos();
    }
    if (sampleCount < policy.minSamples()) {
      return -1;
    }
    if (!samplesSorted) {
      Arrays.sort(samples, 0, sampleCount);
      samplesSorted = true;
    }
    if (policy.factor() > 0) {
      double median = samples[(sampleCount - 1) / 2];
      return (long) Math.min(0x1p62, policy.factor() * median * (double) a.work);
    }
    int rank = (int) Math.ceil(policy.percentileValue() / 100.0 * sampleCount);
    return (long) samples[Math.max(0, Math.min(sampleCount, rank) - 1)];
  }

  private void addSample(long nanos, long work) {
    if (sampleCount == samples.length) {
      samples = Arrays.copyOf(samples, sampleCount * 2);
    }
    samples[sampleCount] =
        config.hedgePolicy.factor() > 0 ? (double) nanos / (double) work : (double) nanos;
    sampleCount++;
    samplesSorted = false;
    HedgePolicy policy = config.hedgePolicy;
    if (policy.fixedDelay() == null
        && sampleCount == policy.minSamples()
        && !awaitingHedgeThreshold.isEmpty()) {
      List<TaskState> waiting = new ArrayList<>(awaitingHedgeThreshold);
      awaitingHedgeThreshold.clear();
      for (TaskState w : waiting) {
        if (!w.over && w.running.size() == 1) {
          armHedge(w, w.running.get(0));
        }
      }
    }
  }

  // ---- ending

  private void finishIfOver() {
    if (over || completed + failed < tasks.size()) {
      return;
    }
    over = true;
    queue.clear();
    hedgesWaiting.clear();
    unarmed.clear();
    if (failed > 0) {
      List<TaskFailure> failures = new ArrayList<>();
      for (TaskState t : tasks) {
        if (t.failedForGood) {
          failures.add(new TaskFailure(t.index, t.task.key(), t.failures));
        }
      }
      result.completeExceptionally(new ScatterGatherException(failures, tasks.size()));
    } else {
      @SuppressWarnings("unchecked")
      List<R> list = (List<R>) Collections.unmodifiableList(Arrays.asList(results.clone()));
      result.complete(list);
    }
  }

  private void cancelAll() {
    if (over) {
      return;
    }
    over = true;
    queue.clear();
    hedgesWaiting.clear();
    unarmed.clear();
    for (TaskState t : tasks) {
      abandon(t);
    }
  }

  /** Stops {@code t}'s hedge timer and cancels its running attempts, which report nothing. */
  private void abandon(TaskState t) {
    cancel(t.hedgeTimer);
    for (Attempt a : new ArrayList<>(t.running)) {
      release(a);
      a.lease.close();
      a.future.cancel(true);
    }
  }

  private void report() {
    Map<String, Progress.EndpointProgress> byEndpoint = new LinkedHashMap<>();
    for (Map.Entry<String, EndpointStats> e : stats.entrySet()) {
      EndpointStats s = e.getValue();
      byEndpoint.put(
          e.getKey(),
          new Progress.EndpointProgress(
              s.endpoint, s.completed, s.attempts, s.failures, s.latencyNanosTotal));
    }
    Progress p = new Progress(completed, failed, tasks.size(), retries, hedges, byEndpoint);
    try {
      progress.accept(p);
    } catch (RuntimeException e) {
      log.warn("progress listener threw; ignored", e);
    }
  }

  private EndpointStats stats(Endpoint ep) {
    EndpointStats s = stats.get(ep.id());
    if (s == null) {
      s = new EndpointStats(ep);
      stats.put(ep.id(), s);
      knownEndpoints = Math.max(knownEndpoints, stats.size()); // one added since the start
    }
    return s;
  }

  private static Throwable unwrap(Throwable e) {
    while ((e instanceof CompletionException || e instanceof ExecutionException)
        && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }

  /**
   * Runs {@code event} among the batch's events after {@code nanos}. A scheduler that refuses (the
   * caller shut it down with the batch running) ends the batch: without its timers it could wait
   * forever, so every attempt is cancelled and the result fails saying why; {@code null} then.
   */
  private Future<?> schedule(Runnable event, long nanos) {
    try {
      return config.scheduler.schedule(() -> events.execute(event), nanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      if (!over) {
        cancelAll();
        result.completeExceptionally(
            new IllegalStateException(
                "scatter-gather's scheduler refused a timer (shut down while a batch ran?): "
                    + config.scheduler,
                e));
      }
      return null;
    }
  }

  private static void cancel(Future<?> f) {
    if (f != null) {
      f.cancel(false);
    }
  }

  // ---- state

  private final class Item {
    final TaskState task;
    final boolean hedge;

    Item(TaskState task, boolean hedge) {
      this.task = task;
      this.hedge = hedge;
    }
  }

  private record Choice(Lease lease, boolean allFull, RuntimeException noEndpoint) {}

  private final class TaskState {
    final int index;
    final Task<T> task;
    final Attempts attempts;
    final List<Attempt> running = new ArrayList<>(2);
    final List<AttemptFailure> failures = new ArrayList<>(0);
    boolean over;
    boolean started; // its first attempt was sent (or could not be), so it left queuedCost
    boolean hedged;
    boolean failedForGood;
    Future<?> hedgeTimer;

    TaskState(int index, Task<T> task) {
      this.index = index;
      this.task = task;
      this.attempts = config.retryPolicy.start(config.balancer, task.key());
    }
  }

  private final class Attempt {
    final TaskState task;
    final Lease lease;
    final long startNanos;
    final long work; // the task's cost plus that of the batch's attempts ahead on the endpoint
    CompletableFuture<R> future;
    Future<?> timeout;
    boolean ended;

    Attempt(TaskState task, Lease lease, long startNanos, long work) {
      this.task = task;
      this.lease = lease;
      this.startNanos = startNanos;
      this.work = work;
    }
  }

  private static final class EndpointStats {
    final Endpoint endpoint;
    int inFlight;
    long runningCost; // the sum of the costs of the attempts in flight here
    int attempts;
    int completed;
    int failures;
    long latencyNanosTotal;
    double nanosPerWork; // an average over its answers in this batch; 0 before the first

    EndpointStats(Endpoint endpoint) {
      this.endpoint = endpoint;
    }

    /** Folds in an answer after {@code nanos} for {@code work} units (its own and those ahead). */
    void observeSpeed(long nanos, long work) {
      double sample = (double) nanos / (double) Math.max(1, work);
      nanosPerWork = nanosPerWork == 0 ? sample : 0.7 * nanosPerWork + 0.3 * sample;
    }
  }
}
