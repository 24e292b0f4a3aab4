package io.github.lb4j.example;

/**
 * Maps iteration counts to colours; the single colouring code of local and distributed renders and
 * of the worker's PNG answers, so that they all give identical pixels.
 *
 * <p>Immutable and thread safe.
 */
final class Palette {
  private final int[] rgb;

  /** A palette for counts in {@code [0, maxIter]}; {@code maxIter} (inside the set) is black. */
  Palette(int maxIter) {
    rgb = new int[maxIter + 1];
    for (int n = 0; n < maxIter; n++) {
      // A smooth cycle through blue, white and orange, denser near the set.
      double t = Math.sqrt((double) n / maxIter);
      double phase = 2 * Math.PI * (t * 3.0);
      int r = channel(0.5 + 0.5 * Math.cos(phase + 3.6));
      int g = channel(0.5 + 0.5 * Math.cos(phase + 4.3));
      int b = channel(0.5 + 0.5 * Math.cos(phase + 5.2));
      rgb[n] = (r << 16) | (g << 8) | b;
    }
    rgb[maxIter] = 0;
  }

  private static int channel(double v) {
    return (int) Math.round(255 * Math.max(0, Math.min(1, v)));
  }

  /** The colour of a count in {@code [0, maxIter]}. */
  int rgb(int count) {
    return rgb[count];
  }

  /**
   * The colours by count, for a loop that keeps the table in a local (the JIT reloads a final field
   * on every iteration); not to be changed.
   */
  int[] table() {
    return rgb;
  }

  /** The colours of {@code counts}, pixel for pixel. */
  int[] rgb(int[] counts) {
    int[] out = new int[counts.length];
    for (int i = 0; i < counts.length; i++) {
      out[i] = rgb[counts[i]];
    }
    return out;
  }
}
