package io.github.lb4j.example;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/**
 * The wire formats of a tile: raw counts (unsigned 16-bit big-endian; {@link TileCounts} checks and
 * decodes them) or a coloured PNG.
 */
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
