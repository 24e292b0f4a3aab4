package io.github.lb4j.example;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/** The wire formats of a tile: raw counts (unsigned 16-bit big-endian) or a coloured PNG. */
final class TileCodec {
  static final String RAW_TYPE = "application/octet-stream";
  static final String PNG_TYPE = "image/png";

  private TileCodec() {}

  static byte[] encodeRaw(int[] counts) {
    byte[] out = new byte[counts.length * 2];
    for (int i = 0, j = 0; i < counts.length; i++, j += 2) {
      int c = counts[i];
      out[j] = (byte) (c >>> 8);
      out[j + 1] = (byte) c;
    }
    return out;
  }

  /**
   * Decodes raw counts.
   *
   * @throws IllegalArgumentException when the length is not that of the tile or a count is above
   *     the tile's iteration limit
   */
  static int[] decodeRaw(byte[] body, TileSpec spec) {
    if (body.length != spec.pixels() * 2) {
      throw new IllegalArgumentException(
          "body length: " + body.length + " (expected: " + spec.pixels() * 2 + ")");
    }
    int[] counts = new int[spec.pixels()];
    for (int i = 0, j = 0; i < counts.length; i++, j += 2) {
      int c = ((body[j] & 0xff) << 8) | (body[j + 1] & 0xff);
      if (c > spec.maxIter()) {
        throw new IllegalArgumentException(
            "count at pixel " + i + ": " + c + " (expected: <= " + spec.maxIter() + ")");
      }
      counts[i] = c;
    }
    return counts;
  }

  static byte[] encodePng(int[] counts, TileSpec spec) {
    BufferedImage img = new BufferedImage(spec.width(), spec.height(), BufferedImage.TYPE_INT_RGB);
    int[] rgb = new Palette(spec.maxIter()).rgb(counts);
    img.setRGB(0, 0, spec.width(), spec.height(), rgb, 0, spec.width());
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      ImageIO.write(img, "png", bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }
}
