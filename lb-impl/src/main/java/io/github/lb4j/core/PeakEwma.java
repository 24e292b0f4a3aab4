package io.github.lb4j.core;

/**
 * Finagle's peak-sensitive moving average of one endpoint's call latency: a sample above the average
 * replaces it at once, a lower one pulls it down with a time-based weight, and between samples it
 * decays towards zero so that an endpoint left idle looks attractive again.
 *
 * <p>Threading: updated by reporting threads without a lock; two reports racing on one endpoint may
 * lose one sample, which a moving average tolerates. Read anywhere.
 */
final class PeakEwma {
  private final double decayNanos;
  private volatile double value;
  private volatile long stamp;

  PeakEwma(double decayNanos, long now) {
    this.decayNanos = decayNanos;
    this.stamp = now;
  }

  /** The average decayed to {@code now}; 0 before the first sample. */
  double value(long now) {
    double v = value;
    if (v == 0) {
      return 0;
    }
    long elapsed = now - stamp;
    return elapsed <= 0 ? v : v * decay(elapsed / decayNanos);
  }

  /** Adds a sample of {@code latencyNanos} ending at {@code now}. */
  void observe(long latencyNanos, long now) {
    double sample = Math.max(0, latencyNanos);
    double current = value;
    if (current == 0 || sample > current) {
      value = sample;
    } else {
      double w = decay(Math.max(0, now - stamp) / decayNanos);
      value = current * w + sample * (1 - w);
    }
    stamp = now;
  }

  /**
   * {@code exp(-x)} for {@code x >= 0}, approximated by {@code 1 / (1 + x + x²/2 + x³/6)}: within 2%
   * of it where it matters (x below 1) and, like it, decreasing from 1 towards 0; a division instead
   * of {@code Math.exp} on the call path.
   */
  static double decay(double x) {
    return 1 / (1 + x * (1 + x * (0.5 + x * (1.0 / 6))));
  }
}
