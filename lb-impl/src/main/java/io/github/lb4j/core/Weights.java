package io.github.lb4j.core;

import io.github.lb4j.Candidate;
import java.util.List;

/** Weight arithmetic shared by the weighted pickers. Stateless. */
final class Weights {
  private Weights() {}

  static int[] of(List<Candidate> candidates) {
    int[] weights = new int[candidates.size()];
    for (int i = 0; i < weights.length; i++) {
      weights[i] = candidates.get(i).weight();
    }
    return weights;
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
