package io.github.lb4j.core;

import static io.github.lb4j.internal.Checks.atLeastOne;
import static io.github.lb4j.internal.Checks.finiteNonNegative;
import static io.github.lb4j.internal.Checks.positive;

import java.time.Duration;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;

/**
 * Configures passive health checking (outlier ejection) in {@link
 * BalancerBuilder#outlierDetection}: an endpoint whose calls fail {@link #consecutiveFailures}
 * times in a row is ejected ({@link io.github.lb4j.HealthState#EJECTED}) for a while, then put back
 * on its own. Two statistical rules can be turned on next to it, run once per {@link #interval}
 * over the calls of that interval: {@link #successRate} and {@link #failurePercentage} (Envoy's and
 * gRFC A50's); their ejections take the same backoff and count toward the same share. Outcomes come
 * from leases ({@link io.github.lb4j.Lease#failure()}); integrations report connect errors,
 * timeouts and 5xx answers as failures.
 *
 * <p>The ejection lasts {@link #baseEjectionTime} times the endpoint's ejection streak, capped at
 * {@link #maxEjectionTime}: 30 s, 60 s, 90 s ... up to 300 s by default, so a host that keeps
 * failing is retried less and less often. The streak drops by one for each base ejection time the
 * endpoint then spends in service, so a host that recovered for good is treated as new again. With
 * active health checks on, an endpoint whose ejection ends is {@code UNHEALTHY} until a probe
 * passes.
 *
 * <p>At most {@link #maxEjectedShare} of the endpoints are ejected at once (10% by default) so that
 * a failure on the client's side (its network, a bad request pattern) cannot eject every endpoint;
 * like Envoy, at least one endpoint may always be ejected when there are two or more, and a lone
 * endpoint is never ejected since there is nowhere else to send its calls. The defaults (5
 * failures, 30 s, 300 s, 10%) are Envoy's.
 *
 * <p>Not thread safe; used only inside {@link BalancerBuilder#outlierDetection}.
 */
public final class OutlierDetectionBuilder {
  /** Consecutive failures that eject unless set. */
  public static final int DEFAULT_CONSECUTIVE_FAILURES = 5;

  /** The first ejection's length unless set. */
  public static final Duration DEFAULT_BASE_EJECTION_TIME = Duration.ofSeconds(30);

  /** The longest ejection unless set. */
  public static final Duration DEFAULT_MAX_EJECTION_TIME = Duration.ofMinutes(5);

  /** The largest share of endpoints ejected at once unless set. */
  public static final double DEFAULT_MAX_EJECTED_SHARE = 0.1;

  /** How often the statistical rules run unless set. */
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);

  private int consecutiveFailures = DEFAULT_CONSECUTIVE_FAILURES;
  private Duration baseEjectionTime = DEFAULT_BASE_EJECTION_TIME;
  private Duration maxEjectionTime = DEFAULT_MAX_EJECTION_TIME;
  private double maxEjectedShare = DEFAULT_MAX_EJECTED_SHARE;
  private Duration interval = DEFAULT_INTERVAL;
  private SuccessRateBuilder successRate;
  private FailurePercentageBuilder failurePercentage;
  private Rng rng = Rng.THREAD_LOCAL;

  OutlierDetectionBuilder() {}

  /**
   * How often the statistical rules ({@link #successRate}, {@link #failurePercentage}) look at the
   * calls of the interval just ended; 10 s unless set (Envoy's and gRPC's default).
   *
   * @param interval the length of one interval, positive
   * @return this builder
   * @throws IllegalArgumentException when {@code interval} is zero or negative
   */
  public OutlierDetectionBuilder interval(Duration interval) {
    this.interval = positive("interval", interval);
    return this;
  }

  /**
   * Turns on success-rate ejection (Envoy's, gRFC A50's): at the end of each {@link #interval},
   * among the endpoints with at least {@link SuccessRateBuilder#requestVolume} calls in it, an
   * endpoint whose success rate is below {@code mean - stdevFactor × stdev} of theirs is ejected,
   * with the enforcement percentage as probability, when at least {@link
   * SuccessRateBuilder#minimumHosts} endpoints had that volume. Off unless set.
   *
   * <pre>{@code
   * .outlierDetection(o -> o.successRate(s -> s.stdevFactor(1.9).minimumHosts(5).requestVolume(100)))
   * }</pre>
   *
   * @param config sets the rule's settings on the builder it is given, called once, right away
   * @return this builder
   */
  public OutlierDetectionBuilder successRate(Consumer<SuccessRateBuilder> config) {
    Objects.requireNonNull(config, "config");
    SuccessRateBuilder b = new SuccessRateBuilder();
    config.accept(b);
    this.successRate = b;
    return this;
  }

  /**
   * Turns on failure-percentage ejection (Envoy's, gRFC A50's): at the end of each {@link
   * #interval}, an endpoint with at least {@link FailurePercentageBuilder#requestVolume} calls in
   * it of which at least {@link FailurePercentageBuilder#threshold} percent failed is ejected, with
   * the enforcement percentage as probability, when there are at least {@link
   * FailurePercentageBuilder#minimumHosts} endpoints. Off unless set.
   *
   * @param config sets the rule's settings on the builder it is given, called once, right away
   * @return this builder
   */
  public OutlierDetectionBuilder failurePercentage(Consumer<FailurePercentageBuilder> config) {
    Objects.requireNonNull(config, "config");
    FailurePercentageBuilder b = new FailurePercentageBuilder();
    config.accept(b);
    this.failurePercentage = b;
    return this;
  }

  /**
   * The randomness of the enforcement percentages, for repeatable tests; {@link
   * java.util.concurrent.ThreadLocalRandom} unless set.
   *
   * @param random decides whether each outlier found is ejected; not {@code null}
   * @return this builder
   */
  public OutlierDetectionBuilder random(Random random) {
    this.rng = Rng.of(Objects.requireNonNull(random, "random"));
    return this;
  }

  /**
   * Consecutive failed calls that eject an endpoint; a success resets the count. 5 unless set.
   *
   * @param count {@code >= 1}
   * @return this builder
   */
  public OutlierDetectionBuilder consecutiveFailures(int count) {
    this.consecutiveFailures = atLeastOne("consecutiveFailures", count);
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
      DefaultBalancer balancer, ScheduledExecutorService scheduler, ActiveHealthChecker checker) {
    validate();
    return new OutlierDetector(
        balancer,
        scheduler,
        checker,
        consecutiveFailures,
        baseEjectionTime.toNanos(),
        maxEjectionTime.toNanos(),
        maxEjectedShare,
        successRate == null && failurePercentage == null
            ? null
            : new OutlierSweep(
                successRate == null ? null : successRate.build(),
                failurePercentage == null ? null : failurePercentage.build(),
                rng),
        interval.toNanos());
  }

  /** A percentage setting: in {@code [0, 100]}. */
  private static int percentage(String parameter, int value) {
    if (value < 0 || value > 100) {
      throw new IllegalArgumentException(parameter + ": " + value + " (expected: in [0, 100])");
    }
    return value;
  }

  /**
   * The success-rate rule's settings, in {@link OutlierDetectionBuilder#successRate}; the defaults
   * are Envoy's and gRPC's. Not thread safe.
   */
  public static final class SuccessRateBuilder {
    private double stdevFactor = 1.9;
    private int enforcementPercentage = 100;
    private int minimumHosts = 5;
    private int requestVolume = 100;

    SuccessRateBuilder() {}

    /**
     * How many standard deviations below the mean success rate an endpoint must be to be an
     * outlier; 1.9 unless set (Envoy's {@code success_rate_stdev_factor} of 1900, in thousandths).
     *
     * @param factor a finite number {@code >= 0}
     * @return this builder
     * @throws IllegalArgumentException when {@code factor} is negative, infinite or NaN
     */
    public SuccessRateBuilder stdevFactor(double factor) {
      this.stdevFactor = finiteNonNegative("stdevFactor", factor);
      return this;
    }

    /**
     * The chance, in percent, that an outlier found is ejected; 100 unless set, 0 to only log.
     *
     * @param percent in {@code [0, 100]}
     * @return this builder
     * @throws IllegalArgumentException when {@code percent} is outside {@code [0, 100]}
     */
    public SuccessRateBuilder enforcementPercentage(int percent) {
      this.enforcementPercentage = percentage("enforcementPercentage", percent);
      return this;
    }

    /**
     * The fewest endpoints with enough calls for the rule to run; 5 unless set.
     *
     * @param hosts {@code >= 1}
     * @return this builder
     * @throws IllegalArgumentException when {@code hosts} is below 1
     */
    public SuccessRateBuilder minimumHosts(int hosts) {
      this.minimumHosts = atLeastOne("minimumHosts", hosts);
      return this;
    }

    /**
     * The fewest calls in an interval for an endpoint to be judged; 100 unless set.
     *
     * @param calls {@code >= 1}
     * @return this builder
     * @throws IllegalArgumentException when {@code calls} is below 1
     */
    public SuccessRateBuilder requestVolume(int calls) {
      this.requestVolume = atLeastOne("requestVolume", calls);
      return this;
    }

    OutlierSweep.SuccessRate build() {
      return new OutlierSweep.SuccessRate(
          stdevFactor, enforcementPercentage, minimumHosts, requestVolume);
    }
  }

  /**
   * The failure-percentage rule's settings, in {@link OutlierDetectionBuilder#failurePercentage};
   * the defaults are Envoy's and gRPC's. Not thread safe.
   */
  public static final class FailurePercentageBuilder {
    private int threshold = 85;
    private int enforcementPercentage = 100;
    private int minimumHosts = 5;
    private int requestVolume = 50;

    FailurePercentageBuilder() {}

    /**
     * The failure percentage at or above which an endpoint is an outlier; 85 unless set.
     *
     * @param percent in {@code [0, 100]}
     * @return this builder
     * @throws IllegalArgumentException when {@code percent} is outside {@code [0, 100]}
     */
    public FailurePercentageBuilder threshold(int percent) {
      this.threshold = percentage("threshold", percent);
      return this;
    }

    /**
     * The chance, in percent, that an outlier found is ejected; 100 unless set, 0 to only log.
     *
     * @param percent in {@code [0, 100]}
     * @return this builder
     * @throws IllegalArgumentException when {@code percent} is outside {@code [0, 100]}
     */
    public FailurePercentageBuilder enforcementPercentage(int percent) {
      this.enforcementPercentage = percentage("enforcementPercentage", percent);
      return this;
    }

    /**
     * The fewest member endpoints for the rule to run; 5 unless set.
     *
     * @param hosts {@code >= 1}
     * @return this builder
     * @throws IllegalArgumentException when {@code hosts} is below 1
     */
    public FailurePercentageBuilder minimumHosts(int hosts) {
      this.minimumHosts = atLeastOne("minimumHosts", hosts);
      return this;
    }

    /**
     * The fewest calls in an interval for an endpoint to be judged; 50 unless set.
     *
     * @param calls {@code >= 1}
     * @return this builder
     * @throws IllegalArgumentException when {@code calls} is below 1
     */
    public FailurePercentageBuilder requestVolume(int calls) {
      this.requestVolume = atLeastOne("requestVolume", calls);
      return this;
    }

    OutlierSweep.FailurePercentage build() {
      return new OutlierSweep.FailurePercentage(
          threshold, enforcementPercentage, minimumHosts, requestVolume);
    }
  }
}
