package io.github.lb4j.core;

import io.github.lb4j.Balancer;
import io.github.lb4j.BalancerListener;
import io.github.lb4j.Endpoint;
import io.github.lb4j.HealthState;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passive health checking: ejects an endpoint after consecutive failed calls and puts it back when
 * its ejection time is up; configured by {@link OutlierDetectionBuilder}.
 *
 * <p>Threading: outcomes arrive on callers' threads. The common outcome (a success, or a failure
 * below the threshold) costs one comparison and takes no lock. Ejecting and restoring are
 * serialized on this object's monitor, which makes the "at most this share ejected" check and the
 * ejection one step; the balancer's lock is taken inside it, never the other way around (membership
 * events, which arrive under the balancer's lock, only touch a concurrent map).
 */
final class OutlierDetector
    implements DefaultBalancer.OutcomeObserver, BalancerListener, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OutlierDetector.class);

  private final DefaultBalancer balancer;
  private final ScheduledExecutorService scheduler;
  private final ActiveHealthChecker checker;
  private final int threshold;
  private final long baseNanos;
  private final long maxNanos;
  private final double maxEjectedShare;
  // Per-endpoint ejection history, guarded by this object's monitor.
  private final Map<String, Record> records = new HashMap<>();
  private boolean closed;

  /** One endpoint's ejection history. */
  private static final class Record {
    final EndpointSlot slot;
    int streak;
    long restoredAt;
    ScheduledFuture<?> restore;

    Record(EndpointSlot slot) {
      this.slot = slot;
    }
  }

  OutlierDetector(
      DefaultBalancer balancer,
      ScheduledExecutorService scheduler,
      ActiveHealthChecker checker,
      int threshold,
      long baseNanos,
      long maxNanos,
      double maxEjectedShare) {
    this.balancer = balancer;
    this.scheduler = scheduler;
    this.checker = checker;
    this.threshold = threshold;
    this.baseNanos = baseNanos;
    this.maxNanos = maxNanos;
    this.maxEjectedShare = maxEjectedShare;
  }

  void start() {
    balancer.addListener(this);
    balancer.addOutcomeObserver(this);
  }

  @Override
  public void onOutcome(EndpointSlot slot, boolean success, int consecutiveFailures, Throwable cause) {
    if (success || consecutiveFailures < threshold || slot.health() != HealthState.HEALTHY) {
      return;
    }
    eject(slot, consecutiveFailures, cause);
  }

  /** The most endpoints that may be ejected at once out of {@code members}. */
  int maxEjected(int members) {
    return members < 2 ? 0 : Math.max(1, (int) Math.floor(maxEjectedShare * members));
  }

  private synchronized void eject(EndpointSlot slot, int consecutiveFailures, Throwable cause) {
    String id = slot.endpoint().id();
    if (closed || balancer.slot(id) != slot || slot.health() != HealthState.HEALTHY) {
      return; // removed, replaced or already out meanwhile
    }
    int members = 0;
    int ejected = 0;
    for (EndpointSlot s : balancer.slots()) {
      members++;
      if (s.health() == HealthState.EJECTED) {
        ejected++;
      }
    }
    int allowed = maxEjected(members);
    if (ejected >= allowed) {
      if (consecutiveFailures == threshold) {
        log.info(
            "balancer '{}': not ejecting {} after {} consecutive failures: {} of {} endpoints"
                + " ejected already, the most allowed",
            balancer.name(), slot.endpoint(), consecutiveFailures, ejected, members);
      }
      return;
    }
    Record record = records.get(id);
    if (record == null || record.slot != slot) {
      record = new Record(slot);
      records.put(id, record);
    }
    long now = balancer.ticker().read();
    int previousStreak = record.streak;
    if (record.streak > 0) {
      long inService = Math.max(0, now - record.restoredAt);
      record.streak = (int) Math.max(0, record.streak - inService / baseNanos);
    }
    record.streak++;
    long duration = Math.min(maxNanos, baseNanos * Math.min(record.streak, maxNanos / baseNanos + 1));
    slot.ejections++;
    slot.consecutiveFailures.set(0);
    String reason =
        consecutiveFailures
            + (consecutiveFailures == 1 ? " failure" : " consecutive failures")
            + (cause != null ? " (last: " + cause + ")" : "")
            + "; ejected for "
            + Duration.ofNanos(duration)
            + " (ejection #"
            + slot.ejections
            + ")";
    boolean done = false;
    try {
      done = balancer.transition(id, HealthState.HEALTHY, HealthState.EJECTED, reason);
    } finally {
      if (!done) { // not ejected after all (changed meanwhile, or the rebuild threw): undo
        slot.ejections--;
        record.streak = previousStreak;
      }
    }
    if (!done) {
      return;
    }
    Record r = record;
    r.restore = scheduler.schedule(() -> restore(r, duration), duration, TimeUnit.NANOSECONDS);
  }

  private synchronized void restore(Record record, long duration) {
    record.restore = null;
    EndpointSlot slot = record.slot;
    String id = slot.endpoint().id();
    if (closed || balancer.slot(id) != slot || slot.health() != HealthState.EJECTED) {
      return;
    }
    record.restoredAt = balancer.ticker().read();
    String ended = "ejection of " + Duration.ofNanos(duration) + " ended";
    if (checker == null) {
      balancer.transition(id, HealthState.EJECTED, HealthState.HEALTHY, ended);
    } else if (balancer.transition(
        id, HealthState.EJECTED, HealthState.UNHEALTHY, ended + "; waiting for a passing probe")) {
      checker.probeSoon(id);
    }
  }

  @Override
  public void onEndpointRemoved(Balancer b, Endpoint endpoint) {
    // Arrives under the balancer's lock, which must not wait for this object's monitor: forget the
    // history later. A restore that fires first finds the endpoint gone and does nothing.
    try {
      scheduler.execute(() -> forget(endpoint.id()));
    } catch (RejectedExecutionException e) {
      // The scheduler is shut down: the balancer is closing and the history goes with it.
    }
  }

  private synchronized void forget(String id) {
    Record record = records.get(id);
    if (record != null && balancer.slot(id) != record.slot) {
      records.remove(id);
      if (record.restore != null) {
        record.restore.cancel(false);
      }
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    for (Record record : records.values()) {
      if (record.restore != null) {
        record.restore.cancel(false);
      }
    }
    records.clear();
  }

  @Override
  public String toString() {
    return "OutlierDetector(" + threshold + " consecutive failures, "
        + Duration.ofNanos(baseNanos) + " to " + Duration.ofNanos(maxNanos) + ")";
  }
}
