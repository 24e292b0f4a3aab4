package io.github.lb4j.core;

import static io.github.lb4j.internal.Checks.positive;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Configures passive health checking (outlier ejection) in {@link
 * BalancerBuilder#outlierDetection}: an endpoint whose calls fail {@link #consecutiveFailures} times
 * in a row is ejected ({@link io.github.lb4j.HealthState#EJECTED}) for a while, then put back on its
 * own. Outcomes come from leases ({@link io.github.lb4j.Lease#failure()}); integrations report
 * connect errors, timeouts and 5xx answers as failures.
 *
 * <p>The ejection lasts {@link #baseEjectionTime} times the endpoint's ejection streak, capped at
 * {@link #maxEjectionTime}: 30 s, 60 s, 90 s ... up to 300 s by default, so a host that keeps failing
 * is retried less and less often. The streak drops by one for each base ejection time the endpoint
 * then spends in service, so a host that recovered for good is treated as new again. With active
 * health checks on, an endpoint whose ejection ends is {@code UNHEALTHY} until a probe passes.
 *
 * <p>At most {@link #maxEjectedShare} of the endpoints are ejected at once (10% by default) so that
 * a failure on the client's side (its network, a bad request pattern) cannot eject every endpoint;
 * like Envoy, at least one endpoint may always be ejected when there are two or more, and a lone
 * endpoint is never ejected since there is nowhere else to send its calls. The defaults (5 failures,
 * 30 s, 300 s, 10%) are Envoy's.
 *
 * <p>Not thread safe; used only inside {@link BalancerBuilder#outlierDetection}.
 */
public final class OutlierDetectionBuilder {
  /** Consecutive failures that eject unless set. */
  public static final int DEFAULT_CONSECUTIVE_FAILURES = 5;
  /** The first ejection's length unless set. */
  public static final Duration DEFAULT_BASE_EJECTION_TIME = Duration.ofSeconds(30);
  /** The longest ejection unless set. */
  public static final Duration DEFAULT_MAX_EJECTION_TIME = Duration.ofSeconds(300);
  /** The largest share of endpoints ejected at once unless set. */
  public static final double DEFAULT_MAX_EJECTED_SHARE = 0.1;

  private int consecutiveFailures = DEFAULT_CONSECUTIVE_FAILURES;
  private Duration baseEjectionTime = DEFAULT_BASE_EJECTION_TIME;
  private Duration maxEjectionTime = DEFAULT_MAX_EJECTION_TIME;
  private double maxEjectedShare = DEFAULT_MAX_EJECTED_SHARE;

  OutlierDetectionBuilder() {}

  /**
   * Consecutive failed calls that eject an endpoint; a success resets the count. 5 unless set.
   *
   * @param count {@code >= 1}
   * @return this builder
   */
  public OutlierDetectionBuilder consecutiveFailures(int count) {
    if (count < 1) {
      throw new IllegalArgumentException("consecutiveFailures: " + count + " (expected: >= 1)");
    }
    this.consecutiveFailures = count;
    return this;
  }

  /**
   * The length of a first ejection, multiplied by the streak for later ones; 30 s unless set.
   *
   * @param time the first ejection's length, {@code > 0}
   * @return this builder
   */
  public OutlierDetectionBuilder baseEjectionTime(Duration time) {
    this.baseEjectionTime = positive("baseEjectionTime", time);
    return this;
  }

  /**
   * The longest an ejection lasts; 300 s unless set; must not be below the base ejection time.
   *
   * @param time the longest ejection, {@code > 0}
   * @return this builder
   */
  public OutlierDetectionBuilder maxEjectionTime(Duration time) {
    this.maxEjectionTime = positive("maxEjectionTime", time);
    return this;
  }

  /**
   * The largest share of the endpoints that may be ejected at once, rounded down but at least one
   * endpoint when there are two or more; 0.1 unless set.
   *
   * @param share in {@code (0, 1]}
   * @return this builder
   */
  public OutlierDetectionBuilder maxEjectedShare(double share) {
    if (!(share > 0 && share <= 1)) {
      throw new IllegalArgumentException("maxEjectedShare: " + share + " (expected: in (0, 1])");
    }
    this.maxEjectedShare = share;
    return this;
  }

  /** Checks the settings against each other; called when the balancer is built. */
  void validate() {
    if (maxEjectionTime.compareTo(baseEjectionTime) < 0) {
      throw new IllegalArgumentException(
          "maxEjectionTime: "
              + maxEjectionTime
              + " (expected: >= baseEjectionTime "
              + baseEjectionTime
              + ")");
    }
  }

  OutlierDetector build(
      DefaultBalancer balancer,
      ScheduledExecutorService scheduler,
      ActiveHealthChecker checker) {
    validate();
    return new OutlierDetector(
        balancer,
        scheduler,
        checker,
        consecutiveFailures,
        baseEjectionTime.toNanos(),
        maxEjectionTime.toNanos(),
        maxEjectedShare);
  }

}
