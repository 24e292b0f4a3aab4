package io.github.lb4j.example;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class MandelbrotTest {

  @Test
  void escapeTimesOfKnownPoints() {
    assertEquals(100, Mandelbrot.escapeTime(0, 0, 100)); // in the main cardioid
    assertEquals(100, Mandelbrot.escapeTime(-1, 0, 100)); // in the period-2 bulb
    assertEquals(100, Mandelbrot.escapeTime(-0.1226, 0.7449, 100)); // a period-3 bulb: no shortcut
    assertEquals(1, Mandelbrot.escapeTime(2, 2, 100));
    assertEquals(2, Mandelbrot.escapeTime(1, 1, 100)); // z1 = 1+i, z2 = 1+3i
  }

  @Test
  void thePairedLoopGivesExactlyThePlainLoopsCounts() {
    java.util.Random random = new java.util.Random(42);
    for (int i = 0; i < 40; i++) {
      double re = -2 + 2.5 * random.nextDouble();
      double im = -1.2 + 2.4 * random.nextDouble();
      double span = Math.pow(10, -random.nextInt(6));
      TileSpec spec =
          new TileSpec(
              re,
              re + span,
              im,
              im + span,
              1 + random.nextInt(33),
              1 + random.nextInt(9),
              1 + random.nextInt(3000));
      int[] counts = Mandelbrot.iterate(spec);
      double dx = (spec.reMax() - spec.reMin()) / spec.width();
      double dy = (spec.imMax() - spec.imMin()) / spec.height();
      for (int y = 0; y < spec.height(); y++) {
        for (int x = 0; x < spec.width(); x++) {
          double cr = spec.reMin() + (x + 0.5) * dx;
          double ci = spec.imMax() - (y + 0.5) * dy;
          assertEquals(
              Mandelbrot.escapeTime(cr, ci, spec.maxIter()),
              counts[y * spec.width() + x],
              spec + " pixel " + x + "," + y);
        }
      }
    }
  }

  @Test
  void iteratesPixelCentresRowByRowFromTheTop() {
    TileSpec spec = new TileSpec(-2, 2, -2, 2, 2, 2, 50);
    int[] counts = Mandelbrot.iterate(spec);
    assertArrayEquals(
        new int[] {
          Mandelbrot.escapeTime(-1, 1, 50), Mandelbrot.escapeTime(1, 1, 50),
          Mandelbrot.escapeTime(-1, -1, 50), Mandelbrot.escapeTime(1, -1, 50)
        },
        counts);
  }

  @Test
  void tileSpecsRejectBadInputNamingTheParameter() {
    assertEquals(
        "reMax: 1.0 (expected: > reMin = 1.0; the region is empty)",
        assertThrows(InvalidParameterException.class, () -> new TileSpec(1, 1, 0, 1, 4, 4, 10))
            .getMessage());
    assertEquals(
        "imMax: -1.0 (expected: > imMin = 1.0; the region is inverted)",
        assertThrows(InvalidParameterException.class, () -> new TileSpec(0, 1, 1, -1, 4, 4, 10))
            .getMessage());
    assertEquals(
        "reMin: NaN (expected: a finite number)",
        assertThrows(
                InvalidParameterException.class, () -> new TileSpec(Double.NaN, 1, 0, 1, 4, 4, 10))
            .getMessage());
    assertEquals(
        "width: 1025 (expected: in [1, 1024])",
        assertThrows(InvalidParameterException.class, () -> new TileSpec(0, 1, 0, 1, 1025, 4, 10))
            .getMessage());
    assertEquals(
        "maxIter: 0 (expected: in [1, 65535])",
        assertThrows(InvalidParameterException.class, () -> new TileSpec(0, 1, 0, 1, 4, 4, 0))
            .getMessage());
  }

  @Test
  void rawCodecRoundTripsAndRejectsWrongLengthOrCounts() {
    TileSpec spec = new TileSpec(-2, 1, -1, 1, 3, 2, 65_535);
    int[] counts = {0, 1, 255, 256, 65_534, 65_535};
    assertArrayEquals(counts, TileCounts.verify(TileCodec.encodeRaw(counts), spec).toArray());
    assertEquals(
        "body length: 11 (expected: 12)",
        assertThrows(IllegalArgumentException.class, () -> TileCounts.verify(new byte[11], spec))
            .getMessage());
    TileSpec small = new TileSpec(-2, 1, -1, 1, 1, 1, 10);
    assertEquals(
        "count at pixel 0: 11 (expected: <= 10)",
        assertThrows(
                IllegalArgumentException.class,
                () -> TileCounts.verify(TileCodec.encodeRaw(new int[] {11}), small))
            .getMessage());
  }

  @Test
  void viewsCutIntoTilesThatCoverTheImage() {
    View v = View.centred(-0.75, 0, 1, 100, 50, 100, 32);
    assertEquals(4 * 2, v.tiles().size());
    View.Tile last = v.tiles().get(7);
    assertEquals(96, last.x());
    assertEquals(32, last.y());
    assertEquals(4, last.spec().width());
    assertEquals(18, last.spec().height());
    assertEquals("tile-96-32", last.key());
    assertEquals(v.reMax(), last.spec().reMax(), 1e-12);
    assertEquals(v.imMin(), last.spec().imMin(), 1e-12);
  }
}
