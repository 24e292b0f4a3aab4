package io.github.lb4j.example;

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
    int w = spec.width();
    int h = spec.height();
    int maxIter = spec.maxIter();
    double dx = (spec.reMax() - spec.reMin()) / w;
    double dy = (spec.imMax() - spec.imMin()) / h;
    int[] out = new int[w * h];
    for (int y = 0; y < h; y++) {
      double ci = spec.imMax() - (y + 0.5) * dy;
      int row = y * w;
      for (int x = 0; x < w; x++) {
        double cr = spec.reMin() + (x + 0.5) * dx;
        out[row + x] = escapeTime(cr, ci, maxIter);
      }
    }
    return out;
  }

  /** The escape time of one point. */
  static int escapeTime(double cr, double ci, int maxIter) {
    // The main cardioid and the period-2 bulb never escape: skip their (expensive) full iteration.
    double q = (cr - 0.25) * (cr - 0.25) + ci * ci;
    if (q * (q + (cr - 0.25)) <= 0.25 * ci * ci || (cr + 1) * (cr + 1) + ci * ci <= 0.0625) {
      return maxIter;
    }
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
