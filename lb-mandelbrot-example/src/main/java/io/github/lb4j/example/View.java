package io.github.lb4j.example;

import java.util.ArrayList;
import java.util.List;

/**
 * A picture to render: a region of the complex plane, an image size, an iteration limit and the
 * tile size it is cut into.
 *
 * <p>Immutable.
 */
record View(
    double reMin,
    double reMax,
    double imMin,
    double imMax,
    int width,
    int height,
    int maxIter,
    int tile) {

  /** The largest image side, in pixels. */
  static final int MAX_IMAGE_SIDE = 16_384;

  View {
    TileSpec.checkBounds("reMin", reMin, "reMax", reMax);
    TileSpec.checkBounds("imMin", imMin, "imMax", imMax);
    TileSpec.checkRange("width", width, 1, MAX_IMAGE_SIDE);
    TileSpec.checkRange("height", height, 1, MAX_IMAGE_SIDE);
    TileSpec.checkRange("max-iter", maxIter, 1, TileSpec.MAX_ITER);
    TileSpec.checkRange("tile", tile, 1, TileSpec.MAX_SIDE);
  }

  /**
   * The view centred on {@code (re, im)}; zoom 1 shows 3.5 units of the real axis, and the
   * imaginary span follows the image's aspect ratio.
   */
  static View centred(
      double re, double im, double zoom, int width, int height, int maxIter, int tile) {
    TileSpec.checkFinite("re", re);
    TileSpec.checkFinite("im", im);
    if (!(zoom > 0) || Double.isInfinite(zoom)) {
      throw new InvalidParameterException("zoom", "zoom: " + zoom + " (expected: > 0 and finite)");
    }
    TileSpec.checkRange("width", width, 1, MAX_IMAGE_SIDE);
    TileSpec.checkRange("height", height, 1, MAX_IMAGE_SIDE);
    double reSpan = 3.5 / zoom;
    double imSpan = reSpan * height / width;
    return new View(
        re - reSpan / 2,
        re + reSpan / 2,
        im - imSpan / 2,
        im + imSpan / 2,
        width,
        height,
        maxIter,
        tile);
  }

  /** A tile of the view: where it goes in the image and what to compute. */
  record Tile(int index, int x, int y, TileSpec spec) {
    /** The affinity key and name in reports: the tile's pixel offset, {@code tile-X-Y}. */
    String key() {
      return "tile-" + x + "-" + y;
    }
  }

  /** The tiles, row by row; edge tiles are cut to the image. */
  List<Tile> tiles() {
    double dx = (reMax - reMin) / width;
    double dy = (imMax - imMin) / height;
    List<Tile> out = new ArrayList<>();
    for (int y = 0; y < height; y += tile) {
      int th = Math.min(tile, height - y);
      for (int x = 0; x < width; x += tile) {
        int tw = Math.min(tile, width - x);
        TileSpec spec =
            new TileSpec(
                reMin + x * dx,
                reMin + (x + tw) * dx,
                imMax - (y + th) * dy,
                imMax - y * dy,
                tw,
                th,
                maxIter);
        out.add(new Tile(out.size(), x, y, spec));
      }
    }
    return out;
  }
}
