package io.github.lb4j.scatter;

import java.time.Duration;
import java.util.Objects;

/**
 * When scatter-gather sends a second copy of a task that is taking too long (a straggler) to
 * another endpoint. The first copy to answer wins; the other is cancelled. A task is hedged at most
 * once.
 *
 * <ul>
 *   <li>{@link #none()}: never hedge.
 *   <li>{@link #after(Duration)}: hedge an attempt still running after a fixed delay.
 *   <li>{@link #percentile(double)}: hedge an attempt running longer than the given percentile of
 *       the successful attempt latencies observed so far in the same batch, once at least {@link
 *       #minSamples(int) minSamples} of them were observed.
 * </ul>
 *
 * <p>Immutable and thread safe.
 */
public final class HedgePolicy {

  /** The successful attempts a percentile policy waits for unless set: 16. */
  public static final int DEFAULT_MIN_SAMPLES = 16;

  private static final HedgePolicy NONE = new HedgePolicy(null, 0, 0);

  private final Duration delay;
  private final double percentile;
  private final int minSamples;

  private HedgePolicy(Duration delay, double percentile, int minSamples) {
    this.delay = delay;
    this.percentile = percentile;
    this.minSamples = minSamples;
  }

  /**
   * Never hedge.
   *
   * @return the policy
   */
  public static HedgePolicy none() {
    return NONE;
  }

  /**
   * Hedge an attempt that is still running {@code delay} after it started.
   *
   * @param delay how long an attempt runs before it is hedged
   * @return the policy
   * @throws IllegalArgumentException when {@code delay} is not positive
   */
  public static HedgePolicy after(Duration delay) {
    Objects.requireNonNull(delay, "delay");
    if (delay.isNegative() || delay.isZero()) {
      throw new IllegalArgumentException("delay: " + delay + " (expected: > 0)");
    }
    return new HedgePolicy(delay, 0, 0);
  }

  /**
   * Hedge an attempt running longer than the {@code percentile}-th percentile of the latencies of
   * the successful attempts of the same batch, once {@value #DEFAULT_MIN_SAMPLES} were observed
   * (change it with {@link #minSamples(int)}):
   *
   * <pre>{@code
   * HedgePolicy.percentile(99).minSamples(32)
   * }</pre>
   *
   * @param percentile in {@code (0, 100]}, such as {@code 95}
   * @return the policy
   * @throws IllegalArgumentException when {@code percentile} is out of range
   */
  public static HedgePolicy percentile(double percentile) {
    if (!(percentile > 0 && percentile <= 100)) {
      throw new IllegalArgumentException(
          "percentile: " + percentile + " (expected: > 0 and <= 100)");
    }
    return new HedgePolicy(null, percentile, DEFAULT_MIN_SAMPLES);
  }

  /**
   * Hedge an attempt running longer than the {@code percentile}-th percentile of the latencies of
   * the successful attempts of the same batch, once {@code minSamples} were observed.
   *
   * @param percentile in {@code (0, 100]}, such as {@code 95}
   * @param minSamples how many successful attempts to observe before hedging at all, {@code >= 1}
   * @return the policy
   * @throws IllegalArgumentException when an argument is out of range
   * @deprecated positional numbers; use {@code percentile(percentile).minSamples(minSamples)}
   */
  @Deprecated
  // lb-impl depends on nothing but lb-api and SLF4J, so not on error_prone_annotations' @InlineMe.
  @SuppressWarnings("InlineMeSuggester")
  public static HedgePolicy percentile(double percentile, int minSamples) {
    return percentile(percentile).minSamples(minSamples);
  }

  /**
   * This percentile policy, hedging only once {@code minSamples} successful attempts were observed
   * in the batch; a percentile of fewer is mostly noise.
   *
   * @param minSamples how many successful attempts to observe before hedging at all, {@code >= 1}
   * @return the policy
   * @throws IllegalArgumentException when {@code minSamples < 1}
   * @throws IllegalStateException when this is not a percentile policy
   */
  public HedgePolicy minSamples(int minSamples) {
    if (this == NONE || delay != null) {
      throw new IllegalStateException(
          "minSamples on " + this + " (expected: a HedgePolicy.percentile(...) policy)");
    }
    if (minSamples < 1) {
      throw new IllegalArgumentException("minSamples: " + minSamples + " (expected: >= 1)");
    }
    return new HedgePolicy(null, percentile, minSamples);
  }

  boolean enabled() {
    return this != NONE;
  }

  /** The fixed delay, or {@code null} for a percentile policy. */
  Duration fixedDelay() {
    return delay;
  }

  double percentileValue() {
    return percentile;
  }

  int minSamples() {
    return minSamples;
  }

  @Override
  public String toString() {
    if (this == NONE) {
      return "HedgePolicy.none()";
    }
    return delay != null
        ? "HedgePolicy.after(" + delay + ")"
        : "HedgePolicy.percentile(" + percentile + ").minSamples(" + minSamples + ")";
  }
}
