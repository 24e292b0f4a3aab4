package io.github.lb4j.core;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passive health checking: ejects an endpoint after consecutive failed calls, or when the
 * statistical rules of {@link OutlierSweep} (success rate, failure percentage) find it an outlier
 * at the end of an interval, and puts it back when its ejection time is up; configured by {@link
 * OutlierDetectionBuilder}.
 *
 * <p>The detector decides when to report; the balancer keeps the facts. Ejection and its end are
 * reported to the endpoint's health record ({@link DefaultBalancer#eject}, {@link
 * DefaultBalancer#endEjection}), which holds the ejection, its backoff streak and count, checks the
 * "at most this share ejected" rule under the balancer's lock, and derives the state together with
 * the active checker's verdict. An endpoint removed while ejected takes its record with it: the
 * scheduled end finds it gone and does nothing, and if it is added again it starts afresh.
 *
 * <p>Threading: failures arrive on callers' threads; a failure below the threshold costs one
 * comparison and takes no lock. Sweeps and ends of ejections run on the scheduler.
 */
final class OutlierDetector implements DefaultBalancer.FailureObserver, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OutlierDetector.class);

  private final DefaultBalancer balancer;
  private final ScheduledExecutorService scheduler;
  private final ActiveHealthChecker checker;
  private final int threshold;
  private final long baseNanos;
  private final long maxNanos;
  private final double maxEjectedShare;
  // The statistical rules (success rate, failure percentage), or null when neither is on.
  private final OutlierSweep sweep;
  private final long intervalNanos;
  private volatile ScheduledFuture<?> nextSweep;
  private volatile boolean closed;
  // Scheduled ends of ejections, cancelled on close.
  private final Set<ScheduledFuture<?>> ends = ConcurrentHashMap.newKeySet();

  OutlierDetector(
      DefaultBalancer balancer,
      ScheduledExecutorService scheduler,
      ActiveHealthChecker checker,
      int threshold,
      long baseNanos,
      long maxNanos,
      double maxEjectedShare,
      OutlierSweep sweep,
      long intervalNanos) {
    this.balancer = balancer;
    this.sweep = sweep;
    this.intervalNanos = intervalNanos;
    this.scheduler = scheduler;
    this.checker = checker;
    this.threshold = threshold;
    this.baseNanos = baseNanos;
    this.maxNanos = maxNanos;
    this.maxEjectedShare = maxEjectedShare;
  }

  void start() {
    balancer.addFailureObserver(this);
    if (sweep != null) {
      scheduleSweep();
    }
  }

  private void scheduleSweep() {
    try {
      nextSweep = scheduler.schedule(this::sweep, intervalNanos, TimeUnit.NANOSECONDS);
      if (closed) {
        nextSweep.cancel(false);
      }
    } catch (RejectedExecutionException e) {
      log.debug("balancer '{}': not scheduling the next outlier sweep", balancer.name(), e);
    }
  }

  /** Runs the statistical rules over the last interval's calls, then schedules the next run. */
  private void sweep() {
    if (closed) {
      return;
    }
    try {
      sweep.sweep(balancer.slots(), this::ejectOutlier);
    } catch (RuntimeException e) {
      log.warn("balancer '{}': outlier sweep failed", balancer.name(), e);
    }
    scheduleSweep();
  }

  private void ejectOutlier(EndpointSlot slot, String why) {
    long duration = balancer.eject(slot, why, baseNanos, maxNanos, this::maxEjected);
    if (duration >= 0) {
      scheduleEnd(slot, duration);
    }
  }

  @Override
  public void onFailure(EndpointSlot slot, int consecutiveFailures, Throwable cause) {
    if (consecutiveFailures < threshold || closed) {
      return;
    }
    long duration =
        balancer.eject(slot, consecutiveFailures, cause, baseNanos, maxNanos, this::maxEjected);
    if (duration >= 0) {
      scheduleEnd(slot, duration);
    }
  }

  private void scheduleEnd(EndpointSlot slot, long duration) {
    try {
      ScheduledFuture<?>[] self = new ScheduledFuture<?>[1];
      self[0] =
          scheduler.schedule(
              () -> {
                ends.remove(self[0]);
                end(slot, duration);
              },
              duration,
              TimeUnit.NANOSECONDS);
      ends.add(self[0]);
      if (closed) {
        self[0].cancel(false);
      }
    } catch (RejectedExecutionException e) {
      // The scheduler is shut down: the balancer is closing.
      log.debug("balancer '{}': not scheduling the end of an ejection", balancer.name(), e);
    }
  }

  /** The most endpoints that may be ejected at once out of {@code members}. */
  int maxEjected(int members) {
    return members < 2 ? 0 : Math.max(1, (int) Math.floor(maxEjectedShare * members));
  }

  private void end(EndpointSlot slot, long duration) {
    if (closed) {
      return;
    }
    String ended = "ejection of " + Duration.ofNanos(duration) + " ended";
    if (checker == null) {
      balancer.endEjection(slot, false, ended);
    } else if (balancer.endEjection(slot, true, ended + "; waiting for a passing probe")) {
      checker.probeSoon(slot.endpoint().id());
    }
  }

  @Override
  public void close() {
    closed = true;
    ScheduledFuture<?> sweepTask = nextSweep;
    if (sweepTask != null) {
      sweepTask.cancel(false);
    }
    for (ScheduledFuture<?> end : ends) {
      end.cancel(false);
    }
    ends.clear();
  }

  @Override
  public String toString() {
    return "OutlierDetector("
        + threshold
        + " consecutive failures, "
        + Duration.ofNanos(baseNanos)
        + " to "
        + Duration.ofNanos(maxNanos)
        + ")";
  }
}
