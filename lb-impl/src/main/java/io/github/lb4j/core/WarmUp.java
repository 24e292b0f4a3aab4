package io.github.lb4j.core;

/**
 * The slow-start curve: the share of its weight an endpoint gets {@code elapsed} after it joined or
 * recovered, {@code max(minShare, (elapsed / window) ^ (1 / aggression))}, reaching 1 at the end of
 * the window (Envoy's slow start).
 *
 * <p>The balancer does not evaluate the curve when picking: it rebuilds the picker at {@link
 * #STEPS} evenly spaced points of the window with the factors of that moment, so the share grows in
 * steps and picking costs exactly what it costs without warm-up. Immutable and thread safe.
 */
final class WarmUp {
  /** Picker rebuilds per window; the share grows in this many steps. */
  static final int STEPS = 10;

  private final long windowNanos;
  private final double aggression;
  private final double minShare;

  WarmUp(long windowNanos, double aggression, double minShare) {
    this.windowNanos = windowNanos;
    this.aggression = aggression;
    this.minShare = minShare;
  }

  long windowNanos() {
    return windowNanos;
  }

  /** The factor {@code elapsed} nanoseconds into warming up, in {@code [minShare, 1]}. */
  double factor(long elapsed) {
    if (elapsed >= windowNanos) {
      return 1;
    }
    if (elapsed <= 0) {
      return minShare;
    }
    double progress = (double) elapsed / windowNanos;
    double share = aggression == 1 ? progress : Math.pow(progress, 1 / aggression);
    return Math.max(minShare, share);
  }

  /** Nanoseconds from {@code elapsed} to the next step boundary, {@code > 0}. */
  long untilNextStep(long elapsed) {
    long step = Math.max(1, windowNanos / STEPS);
    if (elapsed < 0) {
      return -elapsed;
    }
    return step - elapsed % step;
  }
}
