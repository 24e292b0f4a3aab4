package io.github.lb4j.example;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

final class TileVerifierTest {
  /** The command line's default render: 1024 x 768, 500 iterations, 48 tiles of 128. */
  static final View DEFAULT_VIEW = View.centred(-0.75, 0, 1, 1024, 768, 500, 128);

  @Test
  void checksum_isCrc32cInHex_goldenValue() {
    // The CRC-32C check value of "123456789" (RFC 3720, appendix B.4).
    assertEquals(
        "crc32c=e3069283", TileVerifier.checksum("123456789".getBytes(StandardCharsets.US_ASCII)));
    assertTrue(
        TileVerifier.checksumMatches(
            "crc32c=e3069283", "123456789".getBytes(StandardCharsets.US_ASCII)));
    assertFalse(TileVerifier.checksumMatches(null, new byte[0]));
  }

  @Test
  void pixel_equalsTheKernelOnEveryPixel() {
    for (View.Tile t : View.centred(-0.75, 0.1, 1.2, 320, 240, 300, 64).tiles()) {
      int[] counts = Mandelbrot.iterate(t.spec());
      for (int i = 0; i < counts.length; i++) {
        int x = i % t.spec().width();
        int y = i / t.spec().width();
        assertEquals(counts[i], Mandelbrot.pixel(t.spec(), x, y), "pixel " + x + "," + y);
      }
    }
  }

  @Test
  void spotCheck_rightTilePasses_wrongOneNamesThePixel() {
    TileVerifier verifier = new TileVerifier(1);
    TileSpec spec = DEFAULT_VIEW.tiles().get(20).spec();
    int[] counts = Mandelbrot.iterate(spec);
    assertNull(verifier.spotCheck(TileCounts.of(counts, spec)));
    int[] wrong = counts.clone();
    int sampled = verifier.samples(spec)[0];
    wrong[sampled] = wrong[sampled] % spec.maxIter() + 1;
    assertEquals(
        "pixel ("
            + sampled % spec.width()
            + ", "
            + sampled / spec.width()
            + "): "
            + wrong[sampled]
            + " (expected: "
            + counts[sampled]
            + ")",
        verifier.spotCheck(TileCounts.of(wrong, spec)));
  }

  @Test
  void samples_onePixelInAHundredAtLeastOne_seededAndInRange() {
    TileSpec big = new TileSpec(-2, 1, -1, 1, 128, 128, 100);
    TileSpec tiny = new TileSpec(-2, 1, -1, 1, 3, 2, 100);
    assertEquals(163, new TileVerifier(5).samples(big).length);
    assertEquals(1, new TileVerifier(5).samples(tiny).length);
    assertArrayEquals(new TileVerifier(5).samples(big), new TileVerifier(5).samples(big));
    assertFalse(Arrays.equals(new TileVerifier(5).samples(big), new TileVerifier(6).samples(big)));
    assertTrue(
        Arrays.stream(new TileVerifier(5).samples(big)).allMatch(i -> i >= 0 && i < 128 * 128));
  }

  @Test
  void spotCheck_costsUnderTwoPercentOfTheWork_onTheDefaultRender() {
    TileVerifier verifier = new TileVerifier(12345);
    long work = 0;
    long checked = 0;
    for (View.Tile t : DEFAULT_VIEW.tiles()) {
      int[] counts = Mandelbrot.iterate(t.spec());
      for (int i = 0; i < counts.length; i++) {
        work += cost(t.spec(), counts, i);
      }
      for (int i : verifier.samples(t.spec())) {
        checked += cost(t.spec(), counts, i);
      }
    }
    double share = (double) checked / work;
    assertTrue(share < 0.02, "spot checks cost " + share + " of the render's iterations");
    assertTrue(share > 0.005, "and do check: " + share);
  }

  /**
   * Iterations of one pixel: none inside the bulbs the kernel recognises, plus one for the setup.
   */
  static long cost(TileSpec spec, int[] counts, int i) {
    double dx = (spec.reMax() - spec.reMin()) / spec.width();
    double dy = (spec.imMax() - spec.imMin()) / spec.height();
    double cr = spec.reMin() + (i % spec.width() + 0.5) * dx;
    double ci = spec.imMax() - (i / spec.width() + 0.5) * dy;
    return 1 + (Mandelbrot.isInsideKnownBulb(cr, ci) ? 0 : counts[i]);
  }
}
