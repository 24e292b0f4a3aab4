package io.github.lb4j.example;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * Estimates what computing a tile costs a worker, so that a render starts its most expensive tiles
 * first and hedges a tile only when it runs well past the time its cost leads to expect ({@link
 * io.github.lb4j.scatter.Task#cost()}).
 *
 * <p>The estimate is a coarse pass: the escape times of up to {@value #GRID} x {@value #GRID}
 * points spread over the tile, counted as the kernel spends them (no iteration for a point inside
 * the bulbs it recognises, plus one per pixel for the setup), scaled to the tile's pixels. A tile
 * gets at most one point per {@value #PIXELS_PER_POINT} pixels, so the pass never costs more than
 * about 1/{@value #PIXELS_PER_POINT} of the tile's work (a thousandth for a 128 x 128 tile), and a
 * tile too small for one point is estimated by its pixels alone. The estimate is remembered per
 * tile, so a view rendered again (zoomed back to, or rendered with {@code --repeat}) is estimated
 * from what the earlier render estimated, at no cost.
 *
 * <p>Thread safe.
 */
final class TileCosts {
  /** The most sample points per side of a tile. */
  static final int GRID = 4;

  /** Pixels of a tile per sample point, at least. */
  static final int PIXELS_PER_POINT = 64;

  /** Tiles whose estimate is remembered; a 16384-pixel-square view at tile 128 has 16384. */
  static final int REMEMBERED = 65_536;

  private final Cache<TileSpec, Long> known =
      Caffeine.newBuilder().executor(Runnable::run).maximumSize(REMEMBERED).build();

  /** The estimated cost of {@code spec}, in iterations, at least 1. */
  long estimate(TileSpec spec) {
    return known.get(spec, TileCosts::coarse);
  }

  /** The coarse pass: up to {@value #GRID} x {@value #GRID} points, scaled to the tile's pixels. */
  static long coarse(TileSpec spec) {
    int side = Math.min(GRID, (int) Math.sqrt((double) spec.pixels() / PIXELS_PER_POINT));
    if (side == 0) {
      return spec.pixels();
    }
    double dx = (spec.reMax() - spec.reMin()) / side;
    double dy = (spec.imMax() - spec.imMin()) / side;
    long iterations = 0;
    for (int j = 0; j < side; j++) {
      double ci = spec.imMax() - (j + 0.5) * dy;
      for (int i = 0; i < side; i++) {
        double cr = spec.reMin() + (i + 0.5) * dx;
        if (!Mandelbrot.isInsideKnownBulb(cr, ci)) {
          iterations += Mandelbrot.iterations(cr, ci, spec.maxIter());
        }
      }
    }
    int samples = side * side;
    return Math.max(1, (long) spec.pixels() * (samples + iterations) / samples);
  }
}
