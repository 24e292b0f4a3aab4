package io.github.lb4j.core;

import io.github.lb4j.Balancer;
import io.github.lb4j.BalancerListener;
import io.github.lb4j.Endpoint;
import io.github.lb4j.HealthProbe;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Probes every member of a balancer periodically and marks it unhealthy or healthy by consecutive
 * outcomes; configured by {@link HealthCheckBuilder}.
 *
 * <p>Each endpoint has a {@link Target} with its own counters and its own probe verdict. The
 * verdict and the endpoint's health usually agree; they differ while passive outlier detection has
 * ejected the endpoint (the checker keeps probing and keeps its verdict, but does not overrule the
 * ejection) and right after an ejection ends with active checks on: the endpoint is then {@code
 * UNHEALTHY} until a probe passes (one is enough when the verdict is healthy, the threshold when it
 * is not).
 *
 * <p>The checker owns no health state of the endpoint: it reports its verdict as a fact to the
 * balancer ({@link DefaultBalancer#probeVerdict}), which keeps it in the endpoint's health record
 * next to any ejection and derives the state from both.
 *
 * <p>Threading: probes are started on the scheduler, outcomes are applied on whatever thread
 * completes the probe or its timeout, under the target's monitor. Verdicts are reported outside
 * that monitor, so the balancer's lock is never taken while a target is locked.
 */
final class ActiveHealthChecker implements BalancerListener, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ActiveHealthChecker.class);

  private final DefaultBalancer balancer;
  private final ScheduledExecutorService scheduler;
  private final HealthProbe probe;
  private final long intervalNanos;
  private final long timeoutNanos;
  private final double jitter;
  private final int unhealthyThreshold;
  private final int healthyThreshold;
  private final Random random;
  private final BiConsumer<Endpoint, Boolean> afterProbe;
  private final ConcurrentHashMap<String, Target> targets = new ConcurrentHashMap<>();
  private volatile boolean closed;

  ActiveHealthChecker(
      DefaultBalancer balancer,
      ScheduledExecutorService scheduler,
      HealthProbe probe,
      long intervalNanos,
      long timeoutNanos,
      double jitter,
      int unhealthyThreshold,
      int healthyThreshold,
      Random random,
      BiConsumer<Endpoint, Boolean> afterProbe) {
    this.balancer = balancer;
    this.scheduler = scheduler;
    this.probe = probe;
    this.intervalNanos = intervalNanos;
    this.timeoutNanos = timeoutNanos;
    this.jitter = jitter;
    this.unhealthyThreshold = unhealthyThreshold;
    this.healthyThreshold = healthyThreshold;
    this.random = random;
    this.afterProbe = afterProbe;
  }

  /** Starts probing the current members and every endpoint that joins later. */
  void start() {
    balancer.addListener(this);
    for (EndpointSlot slot : balancer.slots()) {
      track(slot.endpoint().id());
    }
  }

  @Override
  public void onEndpointAdded(Balancer b, Endpoint endpoint) {
    track(endpoint.id());
  }

  @Override
  public void onEndpointRemoved(Balancer b, Endpoint endpoint) {
    Target target = targets.remove(endpoint.id());
    if (target != null) {
      target.cancel();
    }
  }

  private void track(String id) {
    if (closed) {
      return;
    }
    Target target = new Target(id);
    if (targets.putIfAbsent(id, target) == null) {
      target.scheduleNext(jitterNanos());
    }
  }

  /**
   * Probes the endpoint as soon as possible instead of at its next interval; used when an ejection
   * ends so that the endpoint is not out longer than it must be.
   */
  void probeSoon(String id) {
    Target target = targets.get(id);
    if (target != null) {
      target.rescheduleNow();
    }
  }

  private long jitterNanos() {
    if (jitter == 0) {
      return 0;
    }
    double r = random != null ? random.nextDouble() : ThreadLocalRandom.current().nextDouble();
    return (long) (r * jitter * intervalNanos);
  }

  @Override
  public void close() {
    closed = true;
    balancer.removeListener(this);
    for (Target target : targets.values()) {
      target.cancel();
    }
    targets.clear();
    if (probe instanceof AutoCloseable closeable) {
      try {
        closeable.close();
      } catch (Exception e) {
        log.warn("balancer '{}': closing health probe {} failed", balancer.name(), probe, e);
      }
    }
  }

  @Override
  public String toString() {
    return "ActiveHealthChecker(" + probe + ", every " + Duration.ofNanos(intervalNanos) + ")";
  }

  /** The probing state of one endpoint. Fields are guarded by this object's monitor. */
  private final class Target {
    private final String id;
    private boolean cancelled;
    private boolean probing;
    private ScheduledFuture<?> next;
    // The probe verdict, which survives an ejection; endpoints join healthy.
    private boolean healthy = true;
    private int successes;
    private int failures;

    Target(String id) {
      this.id = id;
    }

    synchronized void scheduleNext(long delayNanos) {
      if (cancelled || closed) {
        return;
      }
      next = scheduler.schedule(this::run, delayNanos, TimeUnit.NANOSECONDS);
    }

    synchronized void rescheduleNow() {
      if (cancelled || probing) {
        return; // a probe is under way; its outcome comes soon
      }
      if (next != null) {
        next.cancel(false);
      }
      next = scheduler.schedule(this::run, 0, TimeUnit.NANOSECONDS);
    }

    synchronized void cancel() {
      cancelled = true;
      if (next != null) {
        next.cancel(false);
        next = null;
      }
    }

    private void run() {
      synchronized (this) {
        if (cancelled || closed || probing) {
          return;
        }
        probing = true;
        next = null;
      }
      EndpointSlot slot = balancer.slot(id);
      if (slot == null) {
        cancel();
        return;
      }
      Endpoint endpoint = slot.endpoint();
      AtomicBoolean done = new AtomicBoolean();
      CompletionStage<Boolean> stage;
      try {
        stage = probe.probe(endpoint);
      } catch (RuntimeException e) {
        log.warn(
            "balancer '{}': health probe of {} threw; counted as failed",
            balancer.name(),
            endpoint,
            e);
        complete(endpoint, done, false, "probe threw " + e);
        return;
      }
      if (stage == null) {
        complete(endpoint, done, false, "probe returned no result");
        return;
      }
      ScheduledFuture<?> timer =
          scheduler.schedule(
              () -> {
                if (complete(
                        endpoint, done, false, "timed out after " + Duration.ofNanos(timeoutNanos))
                    && stage instanceof Future<?> future) {
                  future.cancel(true);
                }
              },
              timeoutNanos,
              TimeUnit.NANOSECONDS);
      stage.whenComplete(
          (ok, error) -> {
            timer.cancel(false);
            if (error != null) {
              complete(endpoint, done, false, describe(error));
            } else {
              complete(endpoint, done, Boolean.TRUE.equals(ok), ok == null ? "no result" : "");
            }
          });
    }

    /** Applies one outcome; only the first of a probe's outcomes counts. */
    private boolean complete(Endpoint endpoint, AtomicBoolean done, boolean ok, String detail) {
      if (!done.compareAndSet(false, true)) {
        return false;
      }
      Boolean verdict = null;
      String reason = null;
      synchronized (this) {
        probing = false;
        if (cancelled || closed) {
          return true;
        }
        if (ok) {
          successes++;
          failures = 0;
          if (!healthy && successes >= healthyThreshold) {
            healthy = true;
          }
          if (healthy) {
            verdict = true;
            reason = plural(successes, "consecutive passing probe");
          }
        } else {
          failures++;
          successes = 0;
          if (healthy && failures >= unhealthyThreshold) {
            healthy = false;
          }
          if (!healthy) {
            verdict = false;
            reason = plural(failures, "consecutive failed probe") + " (last: " + detail + ")";
          }
        }
      }
      if (ok) {
        log.debug("balancer '{}': probe of {} passed", balancer.name(), endpoint);
      } else {
        log.debug("balancer '{}': probe of {} failed: {}", balancer.name(), endpoint, detail);
      }
      EndpointSlot slot = balancer.slot(id);
      if (verdict != null && slot != null) {
        // A fact for the endpoint's health record; the balancer derives the state (an ejection
        // still wins) and does nothing when it is already in place.
        balancer.probeVerdict(slot, verdict, reason);
      }
      scheduleNext(intervalNanos + jitterNanos());
      try {
        afterProbe.accept(endpoint, ok);
      } catch (RuntimeException e) {
        log.warn("balancer '{}': probe hook threw; ignored", balancer.name(), e);
      }
      return true;
    }
  }

  private static String describe(Throwable error) {
    Throwable cause = error;
    while (cause.getCause() != null
        && (cause instanceof CompletionException || cause instanceof ExecutionException)) {
      cause = cause.getCause();
    }
    String message = cause.getMessage();
    return message == null
        ? cause.getClass().getSimpleName()
        : cause.getClass().getSimpleName() + ": " + message;
  }

  private static String plural(int n, String what) {
    return n + " " + what + (n == 1 ? "" : "s");
  }
}
