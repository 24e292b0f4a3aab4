package io.github.lb4j.core;

import static io.github.lb4j.internal.Checks.finiteNonNegative;
import static io.github.lb4j.internal.Checks.positive;

import io.github.lb4j.PickerFactory;
import java.time.Duration;
import java.util.Objects;
import java.util.Random;

/**
 * Configures the reported-load picker ({@link Pickers#reportedLoad()}): weighted round-robin with
 * weights from the load reports endpoints send with their answers ({@link
 * io.github.lb4j.Lease#reportLoadHeader}), gRPC's {@code weighted_round_robin}. The defaults are
 * gRPC's: a 10 s blackout, 3 min expiration, weights recomputed every second, an error penalty of
 * 1.
 *
 * <pre>{@code
 * PickerFactory picker = Pickers.reportedLoadBuilder()
 *     .blackoutPeriod(Duration.ofSeconds(5))
 *     .utilizationMetrics("queue")
 *     .build();
 * }</pre>
 *
 * <p>Every setter validates its argument at once. Not thread safe; each {@link #build()} returns a
 * new factory for one balancer.
 */
public final class ReportedLoadBuilder {
  /** The blackout unless set. */
  public static final Duration DEFAULT_BLACKOUT_PERIOD = Duration.ofSeconds(10);

  /** The expiration unless set. */
  public static final Duration DEFAULT_WEIGHT_EXPIRATION_PERIOD = Duration.ofMinutes(3);

  /** The weight update period unless set. */
  public static final Duration DEFAULT_WEIGHT_UPDATE_PERIOD = Duration.ofSeconds(1);

  /** The shortest weight update period. */
  public static final Duration MIN_WEIGHT_UPDATE_PERIOD = Duration.ofMillis(100);

  /** The error penalty unless set. */
  public static final double DEFAULT_ERROR_UTILIZATION_PENALTY = 1.0;

  private Duration blackoutPeriod = DEFAULT_BLACKOUT_PERIOD;
  private Duration weightExpirationPeriod = DEFAULT_WEIGHT_EXPIRATION_PERIOD;
  private Duration weightUpdatePeriod = DEFAULT_WEIGHT_UPDATE_PERIOD;
  private double errorUtilizationPenalty = DEFAULT_ERROR_UTILIZATION_PENALTY;
  private String[] utilizationMetrics = new String[0];
  private Rng rng = Rng.THREAD_LOCAL;

  ReportedLoadBuilder() {}

  /**
   * How long an endpoint must report without a gap before its weight is used, both when it first
   * reports and after its weight expired; 10 s unless set, zero for none.
   *
   * @param period {@code >= 0}
   * @return this builder
   * @throws IllegalArgumentException when {@code period} is negative
   */
  public ReportedLoadBuilder blackoutPeriod(Duration period) {
    Objects.requireNonNull(period, "blackoutPeriod");
    if (period.isNegative()) {
      throw new IllegalArgumentException("blackoutPeriod: " + period + " (expected: >= 0)");
    }
    this.blackoutPeriod = period;
    return this;
  }

  /**
   * How long without a report before an endpoint's weight stops being used; 3 min unless set.
   *
   * @param period positive
   * @return this builder
   * @throws IllegalArgumentException when {@code period} is zero or negative
   */
  public ReportedLoadBuilder weightExpirationPeriod(Duration period) {
    this.weightExpirationPeriod = positive("weightExpirationPeriod", period);
    return this;
  }

  /**
   * How often weights are recomputed from the latest reports (the balancer rebuilds its picker on
   * its scheduler); 1 s unless set, at least 100 ms.
   *
   * @param period at least 100 ms
   * @return this builder
   * @throws IllegalArgumentException when {@code period} is shorter than 100 ms
   */
  public ReportedLoadBuilder weightUpdatePeriod(Duration period) {
    Objects.requireNonNull(period, "weightUpdatePeriod");
    if (period.compareTo(MIN_WEIGHT_UPDATE_PERIOD) < 0) {
      throw new IllegalArgumentException(
          "weightUpdatePeriod: " + period + " (expected: >= " + MIN_WEIGHT_UPDATE_PERIOD + ")");
    }
    this.weightUpdatePeriod = period;
    return this;
  }

  /**
   * How much errors count against an endpoint: its utilization is raised by {@code eps / qps} times
   * this; 1 unless set, 0 to ignore errors.
   *
   * @param penalty a finite number {@code >= 0}
   * @return this builder
   * @throws IllegalArgumentException when {@code penalty} is negative, infinite or NaN
   */
  public ReportedLoadBuilder errorUtilizationPenalty(double penalty) {
    this.errorUtilizationPenalty = finiteNonNegative("errorUtilizationPenalty", penalty);
    return this;
  }

  /**
   * Named metrics ({@code named_metrics.NAME} in the header) that measure utilization, as Envoy's
   * {@code metric_names_for_computing_utilization}: when a report has any of them, the largest is
   * the utilization, instead of {@code application_utilization} or {@code cpu_utilization}. None
   * unless set.
   *
   * @param names the metric names, without the {@code named_metrics.} prefix; none blank or {@code
   *     null}; copied
   * @return this builder
   * @throws IllegalArgumentException when a name is blank
   */
  public ReportedLoadBuilder utilizationMetrics(String... names) {
    Objects.requireNonNull(names, "utilizationMetrics");
    for (String name : names) {
      Objects.requireNonNull(name, "utilizationMetrics: contains null");
      if (name.isBlank()) {
        throw new IllegalArgumentException(
            "utilizationMetrics: '" + name + "' (expected: a metric name, not blank)");
      }
    }
    this.utilizationMetrics = names.clone();
    return this;
  }

  /**
   * The randomness of the least-connection fallback (ties, samples), for repeatable tests; {@link
   * java.util.concurrent.ThreadLocalRandom} unless set.
   *
   * @param random breaks the fallback's ties and draws its samples; not {@code null}
   * @return this builder
   */
  public ReportedLoadBuilder random(Random random) {
    this.rng = Rng.of(Objects.requireNonNull(random, "random"));
    return this;
  }

  /**
   * A new factory with these settings, for one balancer.
   *
   * @return a new factory; the builder can go on to build others
   */
  public PickerFactory build() {
    return new ReportedLoadPickerFactory(
        blackoutPeriod,
        weightExpirationPeriod,
        weightUpdatePeriod,
        errorUtilizationPenalty,
        utilizationMetrics,
        rng);
  }
}
