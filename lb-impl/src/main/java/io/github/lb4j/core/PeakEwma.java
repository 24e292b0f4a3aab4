package io.github.lb4j.core;

/**
 * Finagle's peak-sensitive moving average of one endpoint's call latency: a sample above the
 * average replaces it at once, a lower one pulls it down with a time-based weight, and between
 * samples it decays towards zero so that an endpoint left idle looks attractive again.
 *
 * <p>The average is kept as a value and the time it was stamped; readers decay it to their own
 * {@code now} without writing, so a read costs two volatile loads, a multiplication and {@link
 * #decay}. A sample is compared with, and blended into, the average decayed to the sample's time,
 * as if the average had been read then.
 *
 * <p>Threading: updated by reporting threads without a lock; two reports racing on one endpoint may
 * lose one sample, and a reader racing with a report may see the new value with the old stamp (an
 * average decayed a little too far, once), which a moving average tolerates. Read anywhere.
 *
 * <p>{@link EndpointSlot} extends this class, so that an endpoint's average sits next to its load
 * word, between the slot's paddings: a latency-aware pick then touches one cache line per
 * candidate, not two (at 1,000 endpoints each is a miss).
 */
class PeakEwma extends SlotPaddingBefore {
  /**
   * Beyond this many time constants {@link #decay} is 0: the average is forgotten, and the endpoint
   * counts as one without a sample again. {@code exp(-20)} is about {@code 2e-9}.
   */
  static final double FORGET_AFTER = 20;

  /** Below this many time constants {@link #decay} is a quadratic polynomial. */
  static final double SHORT = 1.0 / 64;

  private final double perNano;
  private volatile double value;
  private volatile long stamp;

  /**
   * @param decayNanos the time constant of the decay, {@code > 0}
   * @param now the ticker reading the average starts at
   */
  PeakEwma(double decayNanos, long now) {
    if (!(decayNanos > 0) || Double.isInfinite(decayNanos)) {
      throw new IllegalArgumentException(
          "decayNanos: " + decayNanos + " (expected: > 0 and finite)");
    }
    this.perNano = 1 / decayNanos;
    this.stamp = now;
  }

  /** The average decayed to {@code now}; 0 before the first sample. */
  /** When the last sample was taken (ticker nanos), or when tracking began. */
  final long stamp() {
    return stamp;
  }

  double value(long now) {
    double v = value;
    if (v == 0) {
      return 0;
    }
    long elapsed = now - stamp;
    return elapsed <= 0 ? v : v * decay(elapsed * perNano);
  }

  /** Adds a sample of {@code latencyNanos} ending at {@code now}. */
  void observe(long latencyNanos, long now) {
    double sample = Math.max(0, latencyNanos);
    double current = value;
    if (current != 0) {
      long elapsed = now - stamp;
      double w = elapsed <= 0 ? 1 : decay(elapsed * perNano);
      double decayed = current * w;
      value = sample > decayed ? sample : decayed + sample * (1 - w);
    } else {
      value = sample;
    }
    stamp = now;
  }

  /**
   * {@code exp(-x)} for {@code x >= 0} without {@code Math.exp}. Below {@link #SHORT} (the usual
   * case: an endpoint in use was sampled a moment ago) the Taylor polynomial {@code 1 - x + x²/2},
   * two multiplications, within {@code x³/6 < 7e-7}; above it the (2,2) Padé approximant of {@code
   * exp(-x/16)} squared four times, one division and nine multiplications. Within 0.001% of {@code
   * exp(-x)} for {@code x} in [0, 3], 0.3% up to 10 and 8% up to {@link #FORGET_AFTER}, beyond
   * which it is 0. Decreasing from {@code decay(0) = 1}, so that a longer wait never makes an
   * average larger: the polynomial decreases below 1, the Padé approximant while {@code x/16 < 3},
   * and at {@code SHORT} the polynomial lies above {@code exp(-x)}, the approximant below.
   */
  static double decay(double x) {
    if (x < SHORT) {
      return 1 - x * (1 - 0.5 * x);
    }
    if (x >= FORGET_AFTER) {
      return 0;
    }
    double y = x * (1.0 / 16);
    double q = y * y * (1.0 / 12);
    double r = (1 - 0.5 * y + q) / (1 + 0.5 * y + q);
    r *= r;
    r *= r;
    r *= r;
    return r * r;
  }
}
