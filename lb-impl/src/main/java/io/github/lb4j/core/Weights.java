package io.github.lb4j.core;

import io.github.lb4j.Candidate;
import java.util.List;

/** Weight arithmetic shared by the weighted pickers. Stateless. */
final class Weights {
  /**
   * While an endpoint warms up, integer weights are multiplied by this before the warm-up factors
   * are applied, so that a factor of 0.1 on a weight of 1 stays distinct from 1: a resolution of
   * 1%.
   */
  static final int WARM_UP_SCALE = 100;

  private Weights() {}

  /**
   * The effective integer weights: the configured weights or, while any candidate warms up, every
   * weight times {@link #WARM_UP_SCALE} times its warm-up factor (at least 1).
   */
  static int[] of(List<Candidate> candidates) {
    int[] weights = new int[candidates.size()];
    boolean warming = anyWarming(candidates);
    for (int i = 0; i < weights.length; i++) {
      Candidate c = candidates.get(i);
      weights[i] =
          warming
              ? (int)
                  Math.max(
                      1,
                      Math.min(
                          Integer.MAX_VALUE,
                          Math.round((double) c.weight() * WARM_UP_SCALE * warmUpFactor(c))))
              : c.weight();
    }
    return weights;
  }

  /** The effective weights as exact doubles: each configured weight times its warm-up factor. */
  static double[] exact(List<Candidate> candidates) {
    double[] weights = new double[candidates.size()];
    for (int i = 0; i < weights.length; i++) {
      Candidate c = candidates.get(i);
      weights[i] = c.effectiveWeight();
    }
    return weights;
  }

  static double sum(double[] weights) {
    double total = 0;
    for (double w : weights) {
      total += w;
    }
    return total;
  }

  /** A candidate's warm-up factor: its effective weight's share of its configured weight. */
  static double warmUpFactor(Candidate c) {
    return c.effectiveWeight() / c.weight();
  }

  static boolean anyWarming(List<Candidate> candidates) {
    for (Candidate c : candidates) {
      if (warmUpFactor(c) < 1) {
        return true;
      }
    }
    return false;
  }

  static boolean allEqual(int[] weights) {
    for (int w : weights) {
      if (w != weights[0]) {
        return false;
      }
    }
    return true;
  }

  static long sum(int[] weights) {
    long total = 0;
    for (int w : weights) {
      total += w;
    }
    return total;
  }

  /**
   * Divides the weights by their greatest common divisor and, if {@code sum * count} still exceeds
   * {@code budget}, scales them down proportionally, keeping each at least 1.
   */
  static int[] reduce(int[] weights, long budget) {
    int gcd = 0;
    for (int w : weights) {
      gcd = gcd(gcd, w);
    }
    int[] reduced = new int[weights.length];
    for (int i = 0; i < weights.length; i++) {
      reduced[i] = weights[i] / gcd;
    }
    long cost = sum(reduced) * reduced.length;
    if (cost > budget) {
      double scale = (double) budget / cost;
      for (int i = 0; i < reduced.length; i++) {
        reduced[i] = (int) Math.max(1, Math.round(reduced[i] * scale));
      }
    }
    return reduced;
  }

  private static int gcd(int a, int b) {
    while (b != 0) {
      int t = a % b;
      a = b;
      b = t;
    }
    return a;
  }
}
