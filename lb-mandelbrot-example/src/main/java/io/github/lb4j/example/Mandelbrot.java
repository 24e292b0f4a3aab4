package io.github.lb4j.example;

import java.util.function.BooleanSupplier;

/**
 * The escape-time Mandelbrot kernel, in double precision. Pure and deterministic: the same {@link
 * TileSpec} gives the same counts on every JVM (Java floating point is strict since 17).
 *
 * <p>Thread safe (stateless).
 */
final class Mandelbrot {
  private Mandelbrot() {}

  /**
   * The iteration count of each pixel, row by row: the number of iterations before {@code |z| > 2},
   * or {@code maxIter} for points taken to be inside the set.
   */
  static int[] iterate(TileSpec spec) {
    return iterate(spec, () -> false);
  }

  /**
   * Like {@link #iterate(TileSpec)}, asking {@code stop} before each row: returns {@code null} as
   * soon as it answers {@code true}, so a tile nobody waits for any more stops within a row.
   */
  static int[] iterate(TileSpec spec, BooleanSupplier stop) {
    int w = spec.width();
    int h = spec.height();
    int maxIter = spec.maxIter();
    double dx = (spec.reMax() - spec.reMin()) / w;
    double dy = (spec.imMax() - spec.imMin()) / h;
    int[] out = new int[w * h];
    for (int y = 0; y < h; y++) {
      if (stop.getAsBoolean()) {
        return null;
      }
      double ci = spec.imMax() - (y + 0.5) * dy;
      int row = y * w;
      int pending = -1; // a pixel of this row waiting for a partner
      for (int x = 0; x < w; x++) {
        double cr = spec.reMin() + (x + 0.5) * dx;
        if (isInsideKnownBulb(cr, ci)) {
          out[row + x] = maxIter;
        } else if (pending < 0) {
          pending = x;
        } else {
          double cr0 = spec.reMin() + (pending + 0.5) * dx;
          long pair = escapeTimes(cr0, cr, ci, maxIter);
          out[row + pending] = (int) (pair >>> 32);
          out[row + x] = (int) pair;
          pending = -1;
        }
      }
      if (pending >= 0) {
        out[row + pending] = iterations(spec.reMin() + (pending + 0.5) * dx, ci, maxIter);
      }
    }
    return out;
  }

  /**
   * The count of one pixel of a tile, {@code x} from the left and {@code y} from the top: the same
   * number {@link #iterate} gives it, by the same arithmetic, at a cost of that one pixel.
   */
  static int pixel(TileSpec spec, int x, int y) {
    double dx = (spec.reMax() - spec.reMin()) / spec.width();
    double dy = (spec.imMax() - spec.imMin()) / spec.height();
    return escapeTime(spec.reMin() + (x + 0.5) * dx, spec.imMax() - (y + 0.5) * dy, spec.maxIter());
  }

  /** Whether {@code c} is in the main cardioid or the period-2 bulb, which never escape. */
  static boolean isInsideKnownBulb(double cr, double ci) {
    double q = (cr - 0.25) * (cr - 0.25) + ci * ci;
    return q * (q + (cr - 0.25)) <= 0.25 * ci * ci || (cr + 1) * (cr + 1) + ci * ci <= 0.0625;
  }

  /**
   * The escape times of two points of a row, iterated in one loop so that the processor overlaps
   * their two dependency chains; each point goes through exactly the arithmetic of {@link
   * #iterations}, so the counts are the same. Returns the first count in the high 32 bits.
   */
  static long escapeTimes(double cr0, double cr1, double ci, int maxIter) {
    double zr0 = 0;
    double zi0 = 0;
    double zr0sq = 0;
    double zi0sq = 0;
    double zr1 = 0;
    double zi1 = 0;
    double zr1sq = 0;
    double zi1sq = 0;
    int n0 = -1;
    int n1 = -1;
    int n = 0;
    while (n < maxIter) {
      if (n0 < 0 && zr0sq + zi0sq > 4.0) {
        n0 = n;
      }
      if (n1 < 0 && zr1sq + zi1sq > 4.0) {
        n1 = n;
      }
      if (n0 >= 0 && n1 >= 0) {
        break;
      }
      // An escaped point keeps iterating (towards infinity or NaN) unobserved: cheaper than a
      // branch.
      zi0 = 2 * zr0 * zi0 + ci;
      zr0 = zr0sq - zi0sq + cr0;
      zr0sq = zr0 * zr0;
      zi0sq = zi0 * zi0;
      zi1 = 2 * zr1 * zi1 + ci;
      zr1 = zr1sq - zi1sq + cr1;
      zr1sq = zr1 * zr1;
      zi1sq = zi1 * zi1;
      n++;
    }
    if (n0 < 0) {
      n0 = maxIter; // like the plain loop, which stops at maxIter without looking at z
    }
    if (n1 < 0) {
      n1 = maxIter;
    }
    return ((long) n0 << 32) | (n1 & 0xffffffffL);
  }

  /** The escape time of one point. */
  static int escapeTime(double cr, double ci, int maxIter) {
    return isInsideKnownBulb(cr, ci) ? maxIter : iterations(cr, ci, maxIter);
  }

  /** The escape time of one point by plain iteration, without the bulb shortcut. */
  static int iterations(double cr, double ci, int maxIter) {
    double zr = 0;
    double zi = 0;
    double zr2 = 0;
    double zi2 = 0;
    int n = 0;
    while (n < maxIter && zr2 + zi2 <= 4.0) {
      zi = 2 * zr * zi + ci;
      zr = zr2 - zi2 + cr;
      zr2 = zr * zr;
      zi2 = zi * zi;
      n++;
    }
    return n;
  }
}
