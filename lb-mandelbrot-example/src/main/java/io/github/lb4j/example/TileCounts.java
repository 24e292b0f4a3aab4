package io.github.lb4j.example;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * A tile's iteration counts, kept in their wire form (unsigned 16-bit big-endian, row by row) and
 * checked once: every count is within the tile's iteration limit and there is exactly one per
 * pixel. A tile travels from the transport to the image in this form, so an answer's body is copied
 * once (into the byte array the response is read into) and then painted into the image's raster in
 * one pass, with no array of counts nor of colours in between; it also takes half the memory of an
 * {@code int[]} of counts in the tile cache.
 *
 * <p>Immutable once made: the bytes are not exposed and not changed, so a value may be shared
 * between threads (the cache, the page's render jobs).
 */
final class TileCounts {
  // One load per count rather than two bytes and a shift.
  private static final VarHandle U16 =
      MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);

  private final TileSpec spec;
  private final byte[] raw;

  private TileCounts(TileSpec spec, byte[] raw) {
    this.spec = spec;
    this.raw = raw;
  }

  /**
   * Checks a raw body and takes it over (the caller must not change it afterwards).
   *
   * @throws IllegalArgumentException when the length is not that of the tile or a count is above
   *     the tile's iteration limit, naming the first such pixel
   */
  static TileCounts verify(byte[] body, TileSpec spec) {
    if (body.length != spec.pixels() * 2) {
      throw new IllegalArgumentException(
          "body length: " + body.length + " (expected: " + spec.pixels() * 2 + ")");
    }
    // One branch-free pass for the common case; the offending pixel is looked for only on failure.
    int max = 0;
    for (int j = 0; j < body.length; j += 2) {
      max = Math.max(max, (short) U16.get(body, j) & 0xffff);
    }
    if (max > spec.maxIter()) {
      for (int i = 0; ; i++) {
        int c = ((body[2 * i] & 0xff) << 8) | (body[2 * i + 1] & 0xff);
        if (c > spec.maxIter()) {
          throw new IllegalArgumentException(
              "count at pixel " + i + ": " + c + " (expected: <= " + spec.maxIter() + ")");
        }
      }
    }
    return new TileCounts(spec, body);
  }

  /** The counts of a tile computed here, such as by {@link Mandelbrot#iterate}. */
  static TileCounts of(int[] counts, TileSpec spec) {
    return verify(TileCodec.encodeRaw(counts), spec);
  }

  TileSpec spec() {
    return spec;
  }

  /** The count of pixel {@code i}, row by row. */
  int count(int i) {
    return (short) U16.get(raw, 2 * i) & 0xffff;
  }

  /** The bytes of the counts in memory, for the cache's weigher. */
  int sizeBytes() {
    return raw.length;
  }

  /** A new array of the counts. */
  int[] toArray() {
    int[] out = new int[spec.pixels()];
    for (int i = 0; i < out.length; i++) {
      out[i] = count(i);
    }
    return out;
  }

  /**
   * Colours the tile into {@code pixels}, an image's {@code int} RGB raster {@code stride} pixels
   * wide, with its top left corner at index {@code offset}: one pass, straight from the wire form.
   */
  void paint(Palette palette, int[] pixels, int offset, int stride) {
    int w = spec.width();
    int h = spec.height();
    int[] rgb = palette.table();
    byte[] b = raw;
    int j = 0;
    for (int y = 0; y < h; y++) {
      int row = offset + y * stride;
      for (int x = 0; x < w; x++, j += 2) {
        pixels[row + x] = rgb[(short) U16.get(b, j) & 0xffff];
      }
    }
  }
}
