package io.github.lb4j.example;

import io.github.lb4j.Balancer;
import io.github.lb4j.BalancerListener;
import io.github.lb4j.Endpoint;
import io.github.lb4j.HealthState;
import io.github.lb4j.Ticker;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a set of local workers alive behind a balancer: when the balancer's health monitor (active
 * health checks or outlier ejection) takes a supervised worker out, the supervisor starts a fresh
 * worker on a new ephemeral port, adds it to the balancer, removes the dead one and stops it. This
 * is what a process supervisor or an orchestrator does for a crashed instance; here it happens in
 * the same process so the effect can be watched.
 *
 * <p>The supervisor learns of failures only through the balancer, so how quickly a dead worker is
 * replaced is the health monitor's detection time plus the start of a new worker. Workers may be
 * {@link WorkerProcess child processes}: a process that dies ({@code kill -9}, a crash) is replaced
 * by a new process on a new port. A worker {@link #pause paused} on purpose is left alone until it
 * is {@link #resume resumed}: the balancer keeps it out meanwhile.
 *
 * <p>{@link #scale} grows or shrinks the set, like {@code docker compose up --scale}: a worker that
 * goes is drained first (out of the balancer, so it gets no new tiles, then given time to finish
 * those in flight).
 *
 * <p>Threading: thread safe. Health events arrive on the balancer's threads and are handed to the
 * given executor, which starts the replacement; membership changes are made under this object's
 * monitor so that they never interleave with {@link #watch}. Listeners are called on the executor;
 * one that throws is logged and changes nothing.
 */
final class Supervisor implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Supervisor.class);

  /** Starts a worker with the given id on an ephemeral port. */
  @FunctionalInterface
  interface WorkerFactory {
    LocalWorker start(String id) throws IOException;
  }

  /** The most workers {@link #scale} may ask for. */
  static final int MAX_WORKERS = 64;

  /** How long a worker that {@link #scale} removes may take to finish its tiles in flight. */
  static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(30);

  /** How often a draining worker is asked whether it is idle. */
  private static final long DRAIN_POLL_MILLIS = 25;

  /**
   * What one {@link #scale} did.
   *
   * @param count the workers now supervised
   * @param started the ids of the workers it started
   * @param drained the ids of the workers it drained and stopped
   * @param undrained those of {@code drained} still busy when their drain timed out
   */
  record Scaled(int count, List<String> started, List<String> drained, List<String> undrained) {}

  /**
   * One replacement.
   *
   * @param dead the endpoint that was taken out
   * @param replacement the endpoint of the fresh worker
   * @param reason why the balancer took the dead one out
   * @param detectedNanos the supervisor's ticker when the balancer reported the failure
   * @param replacedNanos the ticker when the replacement was a member of the balancer
   */
  record Replacement(
      Endpoint dead, Endpoint replacement, String reason, long detectedNanos, long replacedNanos) {}

  /** Hears about replacements and failed attempts to replace. */
  interface Listener {
    /** {@code r.dead()} was replaced by {@code r.replacement()}. */
    default void onReplaced(Replacement r) {}

    /** A worker could not be started to replace {@code dead}; it stays out of the balancer. */
    default void onReplaceFailed(Endpoint dead, Exception cause) {}
  }

  private final WorkerFactory factory;
  private final Executor executor;
  private final Ticker ticker;
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private final Map<String, LocalWorker> workers = new LinkedHashMap<>(); // guarded by this
  private final BalancerListener healthListener =
      new BalancerListener() {
        @Override
        public void onHealthChanged(
            Balancer b, Endpoint endpoint, HealthState from, HealthState to, String reason) {
          if (to != HealthState.HEALTHY) {
            failed(b, endpoint, reason);
          }
        }
      };
  private volatile Balancer balancer; // written under this
  private final Object scaling = new Object(); // held by one scale at a time
  private LocalWorker spare; // started ahead, not a member; guarded by this
  private boolean keepSpare; // guarded by this
  private final Map<String, LocalWorker> draining = new LinkedHashMap<>(); // guarded by this
  private final Set<String> reserved = new LinkedHashSet<>(); // ids being started; guarded by this
  private int nextId; // guarded by this
  private boolean closed; // guarded by this
  private volatile boolean replacing = true;

  /**
   * A supervisor of the workers behind {@code balancer}; none is supervised until {@link #adopt}ed
   * or {@link #startWorker started}.
   *
   * @param balancer the balancer whose health monitor reports failures; its membership is changed
   * @param factory starts fresh workers
   * @param executor runs replacements (starting a worker binds a port, so not on the balancer's
   *     threads)
   * @param ticker timestamps of {@link Replacement}s
   */
  Supervisor(Balancer balancer, WorkerFactory factory, Executor executor, Ticker ticker) {
    this.factory = Objects.requireNonNull(factory, "factory");
    this.executor = Objects.requireNonNull(executor, "executor");
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    watch(balancer);
  }

  /**
   * Turns replacing on (the default) or off. Off, failed workers stay members of the balancer, kept
   * out by its health monitor until they answer again.
   */
  void replacing(boolean on) {
    replacing = on;
  }

  /** Whether failed workers are replaced. */
  boolean isReplacing() {
    return replacing;
  }

  /**
   * Keeps one worker started ahead, not a member of the balancer, to replace the next failed one at
   * once; after it is used, another is started in the background. Worth it when starting a worker
   * is slow, as a worker process is (a JVM start takes a second or more, longer on a busy machine).
   * Off by default.
   */
  void keepSpare(boolean on) {
    synchronized (this) {
      keepSpare = on;
      if (!on && spare != null) {
        spare.close();
        spare = null;
      }
    }
    if (on) {
      refillLater();
    }
  }

  /** The spare worker started ahead, if there is one now. */
  synchronized Optional<LocalWorker> spare() {
    return Optional.ofNullable(spare);
  }

  /** Takes the spare when there is a live one, and has another started; {@code null} if none. */
  private LocalWorker takeSpare() {
    LocalWorker s = spare;
    spare = null;
    if (s != null && s.isClosed()) {
      log.warn("the spare {} has died; starting a worker instead", s.id());
      s.close();
      s = null;
    }
    if (keepSpare) {
      refillLater();
    }
    return s;
  }

  private void refillLater() {
    try {
      executor.execute(this::refill);
    } catch (RejectedExecutionException e) {
      log.debug("no spare: the supervisor's executor is stopping");
    }
  }

  /** Starts a spare, outside the monitor, unless one is there or none is wanted. */
  private void refill() {
    synchronized (this) {
      if (closed || !keepSpare || spare != null) {
        return;
      }
    }
    LocalWorker w;
    try {
      w = startFresh();
    } catch (InterruptedIOException | IllegalStateException e) {
      log.debug("no spare: the supervisor is stopping");
      return;
    } catch (IOException | RuntimeException e) {
      log.warn("could not start a spare worker: {}", e.toString());
      return;
    }
    boolean wanted;
    synchronized (this) {
      wanted = !closed && keepSpare && spare == null;
      if (wanted) {
        spare = w;
      }
    }
    if (wanted) {
      log.info("{} started as a spare", w.id());
    } else {
      w.close();
    }
  }

  /** Adds a listener of replacements. */
  void addListener(Listener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /**
   * Moves supervision to another balancer, such as one rebuilt with a different picker: its
   * membership is set to the supervised workers and its health events are followed from now on. The
   * previous balancer is no longer followed nor changed.
   */
  synchronized void watch(Balancer next) {
    Objects.requireNonNull(next, "balancer");
    if (balancer != null) {
      balancer.removeListener(healthListener);
    }
    balancer = next;
    if (!workers.isEmpty()) {
      next.setEndpoints(endpoints());
    }
    next.addListener(healthListener);
  }

  /**
   * Supervises an already started worker and makes it a member of the balancer, unless it is one
   * already.
   */
  synchronized void adopt(LocalWorker worker) {
    Objects.requireNonNull(worker, "worker");
    checkOpen();
    if (workers.containsKey(worker.id())) {
      throw new IllegalArgumentException("worker: '" + worker.id() + "' (expected: a new id)");
    }
    workers.put(worker.id(), worker);
    if (worker.id().matches("worker-[0-9]{1,9}")) {
      nextId = Math.max(nextId, Integer.parseInt(worker.id().substring("worker-".length())));
    }
    Endpoint e = endpoint(worker);
    if (!balancer.endpoints().contains(e)) {
      balancer.add(e);
    }
  }

  /** Starts a fresh worker, supervises it and makes it a member of the balancer. */
  LocalWorker startWorker() throws IOException {
    LocalWorker w = startFresh();
    join(w);
    return w;
  }

  /**
   * Starts a worker with a fresh id, outside the monitor: a process takes a second or more to
   * listen, and the page's status must not wait for it meanwhile.
   */
  private LocalWorker startFresh() throws IOException {
    String id;
    synchronized (this) {
      checkOpen();
      id = freshId();
      reserved.add(id); // until it is a member or has failed
    }
    try {
      return factory.start(id);
    } finally {
      synchronized (this) {
        reserved.remove(id);
      }
    }
  }

  /** Supervises a started worker and makes it a member; closes it if the supervisor is closed. */
  private void join(LocalWorker w) {
    synchronized (this) {
      if (!closed) {
        workers.put(w.id(), w);
        balancer.add(endpoint(w));
        return;
      }
    }
    w.close();
    throw new IllegalStateException("the supervisor is closed");
  }

  /**
   * Kills a supervised worker the way a crash would: it stops answering at once and stays a member
   * of the balancer until the health monitor notices.
   *
   * @throws IllegalArgumentException when no supervised worker has this id
   */
  synchronized void kill(String id) {
    worker(id).kill();
  }

  /**
   * Freezes a supervised worker process ({@code SIGSTOP}). It stays a member of the balancer, whose
   * health checks and hedging find out; it is not replaced until it is {@link #resume resumed}.
   *
   * @throws IllegalArgumentException when no supervised worker has this id
   * @throws IllegalStateException when it has no process of its own, or has exited
   * @throws UnsupportedOperationException where POSIX signals are not available
   */
  synchronized void pause(String id) {
    worker(id).pause();
  }

  /**
   * Lets a {@link #pause paused} worker process run again ({@code SIGCONT}).
   *
   * @throws IllegalArgumentException when no supervised worker has this id
   * @throws IllegalStateException when it has no process of its own, or has exited
   * @throws UnsupportedOperationException where POSIX signals are not available
   */
  synchronized void resume(String id) {
    worker(id).resume();
  }

  /**
   * Grows or shrinks the supervised set to {@code count} workers. New workers are started with
   * fresh ids and added to the balancer; when shrinking, the newest workers go: each is removed
   * from the balancer at once (no new tiles), then stopped once it has no tile in flight, or after
   * {@code drainTimeout}. Returns once every drained worker is stopped; one scale runs at a time.
   *
   * @throws InvalidParameterException when {@code count} is not in [1, {@value #MAX_WORKERS}]
   * @throws IOException when a worker could not be started; those started before it stay
   */
  Scaled scale(int count, Duration drainTimeout) throws IOException, InterruptedException {
    TileSpec.checkRange("count", count, 1, MAX_WORKERS);
    synchronized (scaling) {
      List<String> started = new ArrayList<>();
      List<LocalWorker> leaving = new ArrayList<>();
      int missing;
      synchronized (this) {
        checkOpen();
        missing = count - workers.size();
        List<LocalWorker> newestFirst = new ArrayList<>(workers.values());
        Collections.reverse(newestFirst);
        for (int i = 0; i < -missing; i++) {
          LocalWorker w = newestFirst.get(i);
          workers.remove(w.id());
          balancer.remove(w.id());
          draining.put(w.id(), w);
          leaving.add(w);
        }
      }
      // Started outside the monitor: a process takes a second or more to listen, and the status
      // of the page must not wait for it.
      for (int i = 0; i < missing; i++) {
        LocalWorker w = startFresh();
        join(w);
        started.add(w.id());
      }
      List<String> drained = new ArrayList<>();
      List<String> undrained = new ArrayList<>();
      for (LocalWorker w : leaving) {
        if (!drain(w, drainTimeout)) {
          undrained.add(w.id());
        }
        w.close();
        drained.add(w.id());
        synchronized (this) {
          draining.remove(w.id());
        }
        log.info("{} drained and stopped", w.id());
      }
      synchronized (this) {
        return new Scaled(
            workers.size(), List.copyOf(started), List.copyOf(drained), List.copyOf(undrained));
      }
    }
  }

  /**
   * Waits until {@code w} has no tile in flight twice in a row (a tile picked just before the
   * worker left the balancer may still be on its way), or it cannot be asked, or the timeout
   * passes; returns false on the timeout.
   */
  private boolean drain(LocalWorker w, Duration timeout) throws InterruptedException {
    long deadline = ticker.read() + timeout.toNanos();
    int idle = 0;
    while (idle < 2) {
      int n = w.inFlight();
      if (n < 0 || w.isPaused() || w.isClosed()) {
        return true; // dead or frozen: nothing in flight will finish
      }
      idle = n == 0 ? idle + 1 : 0;
      if (idle < 2) {
        if (ticker.read() - deadline > 0) {
          return false;
        }
        TimeUnit.MILLISECONDS.sleep(DRAIN_POLL_MILLIS);
      }
    }
    return true;
  }

  /** The ids of the workers {@link #scale} is draining now. */
  synchronized List<String> draining() {
    return List.copyOf(draining.keySet());
  }

  /**
   * Stops a supervised worker for good and removes it from the balancer; it is not replaced.
   *
   * @throws IllegalArgumentException when no supervised worker has this id
   * @throws IllegalStateException when it is the last worker
   */
  synchronized void retire(String id) {
    LocalWorker w = worker(id);
    if (workers.size() == 1) {
      throw new IllegalStateException("cannot retire '" + id + "': it is the last worker");
    }
    workers.remove(id);
    balancer.remove(id);
    w.close();
  }

  /**
   * The supervised worker with this id.
   *
   * @throws IllegalArgumentException when there is none
   */
  synchronized LocalWorker worker(String id) {
    LocalWorker w = workers.get(Objects.requireNonNull(id, "id"));
    if (w == null) {
      throw new InvalidParameterException(
          "id", "id: '" + id + "' (expected: one of " + workers.keySet() + ")");
    }
    return w;
  }

  /** The supervised workers, oldest first. */
  synchronized List<LocalWorker> workers() {
    return List.copyOf(workers.values());
  }

  /** The balancer endpoints of the supervised workers, oldest first. */
  synchronized List<Endpoint> endpoints() {
    List<Endpoint> out = new ArrayList<>();
    for (LocalWorker w : workers.values()) {
      out.add(endpoint(w));
    }
    return out;
  }

  /** Stops replacing and stops every supervised worker; the balancer is left as it is. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    balancer.removeListener(healthListener);
    for (LocalWorker w : workers.values()) {
      w.close();
    }
    for (LocalWorker w : draining.values()) {
      w.close(); // its scale stops waiting for it: it is closed
    }
    if (spare != null) {
      spare.close();
    }
  }

  static Endpoint endpoint(LocalWorker w) {
    return Endpoint.of(w.id(), w.uri());
  }

  private void failed(Balancer from, Endpoint endpoint, String reason) {
    // No lock here: the balancer may call this while holding its own lock.
    long detected = ticker.read();
    if (from != balancer || !replacing) {
      return; // a balancer no longer watched, or replacing is off
    }
    try {
      executor.execute(() -> replace(endpoint, reason, detected));
    } catch (RejectedExecutionException e) {
      log.debug("not replacing {}: the supervisor's executor is stopping", endpoint.id());
    }
  }

  private boolean isCurrent(Endpoint e) {
    LocalWorker w = workers.get(e.id());
    return w != null && w.uri().equals(e.address());
  }

  /** Whether {@code dead} is to be replaced now; under the monitor. */
  private boolean toReplace(Endpoint dead) {
    if (closed || !replacing || !isCurrent(dead)) {
      return false;
    }
    if (workers.get(dead.id()).isPaused()) {
      log.info("not replacing {}: it was stopped on purpose", dead.id());
      return false;
    }
    return true;
  }

  private void replace(Endpoint dead, String reason, long detectedNanos) {
    LocalWorker fresh;
    synchronized (this) {
      if (!toReplace(dead)) {
        return;
      }
      fresh = takeSpare();
    }
    if (fresh == null) {
      try {
        fresh = startFresh();
      } catch (IOException | RuntimeException e) {
        replaceFailed(dead, e);
        return;
      }
    }
    Replacement r = null;
    synchronized (this) {
      // Checked again: the worker may have been retired, stopped or replaced meanwhile.
      if (toReplace(dead)) {
        r = swap(dead, fresh, reason, detectedNanos);
      }
    }
    if (r == null) {
      fresh.close();
      return;
    }
    for (Listener l : listeners) {
      try {
        l.onReplaced(r);
      } catch (RuntimeException e) {
        log.warn("supervisor listener threw", e);
      }
    }
  }

  /**
   * Makes {@code fresh} a member in place of {@code dead} and kills the dead one; under the
   * monitor. Returns {@code null} when the balancer refuses the fresh one.
   */
  private Replacement swap(Endpoint dead, LocalWorker fresh, String reason, long detectedNanos) {
    Endpoint next = endpoint(fresh);
    try {
      balancer.add(next);
    } catch (RuntimeException e) {
      log.warn("could not add {} to replace {}: {}", next.id(), dead.id(), e.toString());
      return null;
    }
    workers.put(fresh.id(), fresh);
    workers.remove(dead.id()).kill(); // unhealthy: it gets no chance to finish anything
    balancer.remove(dead.id());
    log.info(
        "replaced {} ({}) by {} at {}: {}",
        dead.id(),
        dead.address(),
        next.id(),
        next.address(),
        reason);
    return new Replacement(dead, next, reason, detectedNanos, ticker.read());
  }

  /** No worker could be started to replace {@code dead}: it leaves, and the listeners hear. */
  private void replaceFailed(Endpoint dead, Exception e) {
    synchronized (this) {
      if (closed || !isCurrent(dead)) {
        return; // stopping, or gone meanwhile
      }
      workers.remove(dead.id()).kill();
      balancer.remove(dead.id());
    }
    log.warn("could not start a worker to replace {}: {}", dead.id(), e.toString());
    for (Listener l : listeners) {
      try {
        l.onReplaceFailed(dead, e);
      } catch (RuntimeException le) {
        log.warn("supervisor listener threw", le);
      }
    }
  }

  /** A {@code worker-N} id never used by this supervisor nor by a worker it adopted. */
  private String freshId() {
    String id;
    do {
      nextId++;
      id = "worker-" + nextId;
    } while (workers.containsKey(id) || draining.containsKey(id) || reserved.contains(id));
    return id;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the supervisor is closed");
    }
  }
}
