package io.github.lb4j.scatter;

import java.time.Duration;
import java.util.Objects;

/**
 * When scatter-gather sends a second copy of a task that is taking too long (a straggler) to
 * another endpoint. The first copy to answer wins; the other is cancelled (its transport future,
 * which should abort the call). A task is hedged at most once, and only to an endpoint that is idle
 * in its batch (no attempt of the batch in flight there): a copy queued behind other work on a busy
 * endpoint would rarely overtake the original and would only add load. A due hedge waits until an
 * endpoint is idle.
 *
 * <ul>
 *   <li>{@link #none()}: never hedge.
 *   <li>{@link #after(Duration)}: hedge an attempt still running after a fixed delay.
 *   <li>{@link #percentile(double)}: hedge an attempt running longer than the given percentile of
 *       the successful attempt latencies observed so far in the same batch, once at least {@link
 *       #minSamples(int) minSamples} of them were observed.
 *   <li>{@link #pastExpected(double)}: hedge an attempt running longer than a multiple of the time
 *       expected for its {@linkplain Task#cost() cost}. The right choice when tasks differ in cost:
 *       a percentile of a skewed batch's latencies hedges every expensive task.
 * </ul>
 *
 * <p>Hedging needs a second endpoint: with one (a single address in front of a proxy, say) it does
 * nothing, and scatter-gather logs a warning once.
 *
 * <p>Immutable and thread safe.
 */
public final class HedgePolicy {

  /** The successful attempts a percentile policy waits for unless set: 16. */
  public static final int DEFAULT_MIN_SAMPLES = 16;

  private static final HedgePolicy NONE = new HedgePolicy(null, 0, 0, 0);

  private final Duration delay;
  private final double percentile;
  private final double factor;
  private final int minSamples;

  private HedgePolicy(Duration delay, double percentile, double factor, int minSamples) {
    this.delay = delay;
    this.percentile = percentile;
    this.factor = factor;
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
    return new HedgePolicy(delay, 0, 0, 0);
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
    return new HedgePolicy(null, percentile, 0, DEFAULT_MIN_SAMPLES);
  }

  /**
   * Hedge an attempt running longer than {@code factor} times the time expected for it, once
   * {@value #DEFAULT_MIN_SAMPLES} successful attempts of the batch were observed (change it with
   * {@link #minSamples(int)}).
   *
   * <p>The time expected is the attempt's work times the batch's median time per unit of work. An
   * attempt's work is its task's {@linkplain Task#cost() cost} plus the cost of the batch's
   * attempts in flight on the same endpoint when it was sent, since an endpoint that computes one
   * task at a time answers after those; the median time per unit of work is taken over the batch's
   * successful attempts (latency divided by work). An endpoint that works on several tasks at once
   * answers sooner than that, which only makes hedging more reluctant. With every cost 1, an
   * attempt is expected to take the median time of an attempt for each attempt ahead of it and
   * itself.
   *
   * <pre>{@code
   * HedgePolicy.pastExpected(3).minSamples(8)
   * }</pre>
   *
   * @param factor how many times the expected time an attempt may run before it is hedged, {@code >
   *     1} (such as 3)
   * @return the policy
   * @throws IllegalArgumentException when {@code factor} is not above 1 or not finite
   */
  public static HedgePolicy pastExpected(double factor) {
    if (!(factor > 1) || Double.isInfinite(factor)) {
      throw new IllegalArgumentException("factor: " + factor + " (expected: > 1 and finite)");
    }
    return new HedgePolicy(null, 0, factor, DEFAULT_MIN_SAMPLES);
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
   * This percentile or expected-time policy, hedging only once {@code minSamples} successful
   * attempts were observed in the batch; a percentile or a median of fewer is mostly noise.
   *
   * @param minSamples how many successful attempts to observe before hedging at all, {@code >= 1}
   * @return the policy
   * @throws IllegalArgumentException when {@code minSamples < 1}
   * @throws IllegalStateException when this is neither a percentile nor an expected-time policy
   */
  public HedgePolicy minSamples(int minSamples) {
    if (this == NONE || delay != null) {
      throw new IllegalStateException(
          "minSamples on "
              + this
              + " (expected: a HedgePolicy.percentile(...) or pastExpected(...) policy)");
    }
    if (minSamples < 1) {
      throw new IllegalArgumentException("minSamples: " + minSamples + " (expected: >= 1)");
    }
    return new HedgePolicy(null, percentile, factor, minSamples);
  }

  boolean enabled() {
    return this != NONE;
  }

  /** The fixed delay, or {@code null} for a percentile policy. */
  Duration fixedDelay() {
    return delay;
  }

  /** The factor of an expected-time policy, or 0 for the others. */
  double factor() {
    return factor;
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
    if (delay != null) {
      return "HedgePolicy.after(" + delay + ")";
    }
    return (factor > 0
            ? "HedgePolicy.pastExpected(" + factor + ")"
            : "HedgePolicy.percentile(" + percentile + ")")
        + ".minSamples("
        + minSamples
        + ")";
  }
}
