package io.github.lb4j.example;

import io.github.lb4j.Balancer;
import io.github.lb4j.BalancerListener;
import io.github.lb4j.Endpoint;
import io.github.lb4j.HealthState;
import io.github.lb4j.Ticker;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
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
 * replaced is the health monitor's detection time plus the start of a new worker.
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
    WorkerServer start(String id) throws IOException;
  }

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
  private final Map<String, WorkerServer> workers = new LinkedHashMap<>(); // guarded by this
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
  synchronized void adopt(WorkerServer worker) {
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
  synchronized WorkerServer startWorker() throws IOException {
    checkOpen();
    WorkerServer w = factory.start(freshId());
    workers.put(w.id(), w);
    balancer.add(endpoint(w));
    return w;
  }

  /**
   * Kills a supervised worker the way a crash would: it stops answering at once and stays a member
   * of the balancer until the health monitor notices.
   *
   * @throws IllegalArgumentException when no supervised worker has this id
   */
  synchronized void kill(String id) {
    worker(id).close();
  }

  /**
   * Stops a supervised worker for good and removes it from the balancer; it is not replaced.
   *
   * @throws IllegalArgumentException when no supervised worker has this id
   * @throws IllegalStateException when it is the last worker
   */
  synchronized void retire(String id) {
    WorkerServer w = worker(id);
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
  synchronized WorkerServer worker(String id) {
    WorkerServer w = workers.get(Objects.requireNonNull(id, "id"));
    if (w == null) {
      throw new InvalidParameterException(
          "id", "id: '" + id + "' (expected: one of " + workers.keySet() + ")");
    }
    return w;
  }

  /** The supervised workers, oldest first. */
  synchronized List<WorkerServer> workers() {
    return List.copyOf(workers.values());
  }

  /** The balancer endpoints of the supervised workers, oldest first. */
  synchronized List<Endpoint> endpoints() {
    List<Endpoint> out = new ArrayList<>();
    for (WorkerServer w : workers.values()) {
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
    for (WorkerServer w : workers.values()) {
      w.close();
    }
  }

  static Endpoint endpoint(WorkerServer w) {
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
    WorkerServer w = workers.get(e.id());
    return w != null && w.uri().equals(e.address());
  }

  private void replace(Endpoint dead, String reason, long detectedNanos) {
    Replacement r;
    synchronized (this) {
      if (closed || !replacing || !isCurrent(dead)) {
        return;
      }
      WorkerServer fresh;
      try {
        fresh = factory.start(freshId());
      } catch (IOException | RuntimeException e) {
        workers.remove(dead.id()).close();
        balancer.remove(dead.id());
        log.warn("could not start a worker to replace {}: {}", dead.id(), e.toString());
        for (Listener l : listeners) {
          try {
            l.onReplaceFailed(dead, e);
          } catch (RuntimeException le) {
            log.warn("supervisor listener threw", le);
          }
        }
        return;
      }
      Endpoint next = endpoint(fresh);
      try {
        balancer.add(next);
      } catch (RuntimeException e) {
        fresh.close();
        log.warn("could not add {} to replace {}: {}", next.id(), dead.id(), e.toString());
        return;
      }
      workers.put(fresh.id(), fresh);
      workers.remove(dead.id()).close();
      balancer.remove(dead.id());
      r = new Replacement(dead, next, reason, detectedNanos, ticker.read());
      log.info(
          "replaced {} ({}) by {} at {}: {}",
          dead.id(),
          dead.address(),
          next.id(),
          next.address(),
          reason);
    }
    for (Listener l : listeners) {
      try {
        l.onReplaced(r);
      } catch (RuntimeException e) {
        log.warn("supervisor listener threw", e);
      }
    }
  }

  /** A {@code worker-N} id never used by this supervisor nor by a worker it adopted. */
  private String freshId() {
    String id;
    do {
      nextId++;
      id = "worker-" + nextId;
    } while (workers.containsKey(id));
    return id;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the supervisor is closed");
    }
  }
}
