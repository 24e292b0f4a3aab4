package io.github.lb4j.example;

/**
 * One tile to compute: a rectangle of the complex plane sampled on a grid of pixels, with an
 * iteration limit. Pixel {@code (x, y)} (y growing downwards) samples the point at the centre of
 * its cell: {@code re = reMin + (x + 0.5) * (reMax - reMin) / width}, {@code im = imMax - (y + 0.5)
 * * (imMax - imMin) / height}.
 *
 * <p>Immutable; equal specs give identical pixels on every JVM, which is what makes a distributed
 * render pixel-identical to a local one and lets tiles be cached by spec.
 */
record TileSpec(
    double reMin, double reMax, double imMin, double imMax, int width, int height, int maxIter) {

  /** The largest tile side a worker accepts, in pixels. */
  static final int MAX_SIDE = 1024;

  /** The largest iteration limit; counts travel as unsigned 16-bit numbers. */
  static final int MAX_ITER = 65_535;

  TileSpec {
    checkBounds("reMin", reMin, "reMax", reMax);
    checkBounds("imMin", imMin, "imMax", imMax);
    checkRange("width", width, 1, MAX_SIDE);
    checkRange("height", height, 1, MAX_SIDE);
    checkRange("maxIter", maxIter, 1, MAX_ITER);
  }

  int pixels() {
    return width * height;
  }

  static void checkBounds(String minName, double min, String maxName, double max) {
    checkFinite(minName, min);
    checkFinite(maxName, max);
    if (!(min < max)) {
      throw new InvalidParameterException(
          maxName,
          maxName
              + ": "
              + max
              + " (expected: > "
              + minName
              + " = "
              + min
              + "; the region is "
              + (min == max ? "empty" : "inverted")
              + ")");
    }
  }

  static void checkFinite(String name, double value) {
    if (!Double.isFinite(value)) {
      throw new InvalidParameterException(
          name, name + ": " + value + " (expected: a finite number)");
    }
  }

  /** Checks {@code min <= value <= max}, naming {@code name} and the value when it is not. */
  static void checkRange(String name, long value, long min, long max) {
    if (value < min || value > max) {
      throw new InvalidParameterException(
          name, name + ": " + value + " (expected: in [" + min + ", " + max + "])");
    }
  }

  /** Query parameters for the worker's {@code GET /tile}; doubles in round-trip exact form. */
  String toQuery() {
    return "reMin="
        + reMin
        + "&reMax="
        + reMax
        + "&imMin="
        + imMin
        + "&imMax="
        + imMax
        + "&width="
        + width
        + "&height="
        + height
        + "&maxIter="
        + maxIter;
  }
}
