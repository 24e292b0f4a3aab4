package io.github.lb4j.example;

import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

/**
 * Checks that a tile answer is what the worker computed and that it computed right.
 *
 * <p>The checksum, a CRC-32C of the body sent in {@value #CHECKSUM_HEADER} as {@code crc32c=} and
 * eight lowercase hex digits, catches an answer damaged on the way. The spot check recomputes a few
 * random pixels of each tile here and compares them with the worker's counts, so a worker answering
 * well-formed but wrong counts is caught: one pixel in {@value #PIXELS_PER_SAMPLE}, at least one,
 * drawn uniformly (with replacement), costs about 1% of the tile's work on average (a tile under 50
 * pixels, a negligible amount of work, costs more than 2%). A worker corrupting a share {@code s}
 * of a tile's pixels escapes with probability {@code (1 - s)^k} for {@code k} samples: for a 128 x
 * 128 tile (163 samples), 0.2 when 1% of its pixels are wrong, 3 x 10^-8 when 10% are; the worker
 * that corrupted 43% of a render's pixels would escape with 10^-40.
 *
 * <p>The pixels checked depend on the seed and the tile only, so a render is reproducible under a
 * given seed; production seeds come from {@link java.security.SecureRandom}, so a worker cannot
 * know which pixels will be looked at.
 *
 * <p>Immutable and thread safe.
 */
final class TileVerifier {
  /** The answer header carrying the checksum of the body. */
  static final String CHECKSUM_HEADER = "X-Tile-Checksum";

  /** Pixels of a tile per pixel spot-checked. */
  static final int PIXELS_PER_SAMPLE = 100;

  private static final String CRC32C_PREFIX = "crc32c=";

  private final long seed;

  TileVerifier(long seed) {
    this.seed = seed;
  }

  /** The checksum header value of {@code body}. */
  static String checksum(byte[] body) {
    CRC32C crc = new CRC32C();
    crc.update(body);
    return CRC32C_PREFIX + HexFormat.of().toHexDigits((int) crc.getValue());
  }

  /** Whether {@code header} is the checksum of {@code body}; {@code null} is not. */
  static boolean checksumMatches(String header, byte[] body) {
    return checksum(body).equals(header);
  }

  /** The indices (row by row) of the pixels of {@code spec} that are spot-checked. */
  int[] samples(TileSpec spec) {
    int pixels = spec.pixels();
    int[] out = new int[Math.max(1, pixels / PIXELS_PER_SAMPLE)];
    SplittableRandom random = new SplittableRandom(seed ^ (spec.hashCode() * 0x9E3779B97F4A7C15L));
    for (int i = 0; i < out.length; i++) {
      out[i] = random.nextInt(pixels);
    }
    return out;
  }

  /**
   * Recomputes the sampled pixels of a tile.
   *
   * @return {@code null} when every sampled pixel matches, else a description of the first that
   *     does not, such as {@code "pixel (3, 17): 41 (expected: 12)"}
   */
  String spotCheck(TileCounts counts) {
    TileSpec spec = counts.spec();
    for (int i : samples(spec)) {
      int x = i % spec.width();
      int y = i / spec.width();
      int expected = Mandelbrot.pixel(spec, x, y);
      int actual = counts.count(i);
      if (actual != expected) {
        return "pixel (" + x + ", " + y + "): " + actual + " (expected: " + expected + ")";
      }
    }
    return null;
  }
}
