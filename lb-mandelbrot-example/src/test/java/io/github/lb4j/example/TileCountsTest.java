package io.github.lb4j.example;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lb4j.scatter.Task;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

final class TileCountsTest {

  @Test
  void paint_writesThePaletteColourOfEachCountInTheTilesRectangleOnly() {
    TileSpec spec = new TileSpec(-2, 1, -1, 1, 5, 3, 300);
    int[] counts = new SplittableRandom(7).ints(spec.pixels(), 0, 301).toArray();
    int stride = 9;
    int[] raster = new int[stride * 6];
    Arrays.fill(raster, 0xABCDEF);
    Palette palette = new Palette(300);

    TileCounts.of(counts, spec).paint(palette, raster, 2 * stride + 3, stride);

    int[] rgb = palette.rgb(counts);
    for (int y = 0; y < 6; y++) {
      for (int x = 0; x < stride; x++) {
        boolean inside = x >= 3 && x < 8 && y >= 2 && y < 5;
        int expected = inside ? rgb[(y - 2) * 5 + (x - 3)] : 0xABCDEF;
        assertEquals(expected, raster[y * stride + x], "pixel (" + x + ", " + y + ")");
      }
    }
  }

  @Test
  void verify_aCountAboveTheLimitInTheLastPixel_rejectedNamingIt() {
    TileSpec spec = new TileSpec(-2, 1, -1, 1, 4, 4, 1000);
    int[] counts = new int[16];
    counts[15] = 1001;
    assertEquals(
        "count at pixel 15: 1001 (expected: <= 1000)",
        assertThrows(
                IllegalArgumentException.class,
                () -> TileCounts.verify(TileCodec.encodeRaw(counts), spec))
            .getMessage());
  }

  @Test
  void verify_aCountOneAboveTheLimitAtAnyPixel_rejected_theLimitItselfAccepted() {
    // 3 x 5 = 15 pixels: three loads of four counts, then three counts one by one. The limits
    // cover four counts at a time (up to 0x7FFF), its edge, and one by one above it.
    for (int max : new int[] {1, 1000, 0x7FFE, 0x7FFF, 0x8000, TileSpec.MAX_ITER - 1}) {
      TileSpec spec = new TileSpec(-2, 1, -1, 1, 3, 5, max);
      int[] counts = new int[spec.pixels()];
      Arrays.fill(counts, max);
      TileCounts.verify(TileCodec.encodeRaw(counts), spec);
      for (int i = 0; i < counts.length; i++) {
        for (int above : new int[] {max + 1, 0x8000 | max, 0xFFFF}) {
          if (above <= max) {
            continue;
          }
          int[] wrong = counts.clone();
          wrong[i] = above;
          IllegalArgumentException e =
              assertThrows(
                  IllegalArgumentException.class,
                  () -> TileCounts.verify(TileCodec.encodeRaw(wrong), spec),
                  "max " + max + ", count " + above + " at pixel " + i);
          assertEquals(
              "count at pixel " + i + ": " + above + " (expected: <= " + max + ")", e.getMessage());
        }
      }
    }
  }

  @Test
  void render_paintsEachTileAsTheReferenceColouringOfItsCounts() {
    View view = View.centred(-0.75, 0.1, 2, 200, 150, 300, 64); // edge tiles are cut
    BufferedImage reference =
        new BufferedImage(view.width(), view.height(), BufferedImage.TYPE_INT_RGB);
    Palette palette = new Palette(view.maxIter());
    for (View.Tile t : view.tiles()) {
      int[] rgb = palette.rgb(Mandelbrot.iterate(t.spec()));
      reference.setRGB(t.x(), t.y(), t.spec().width(), t.spec().height(), rgb, 0, t.spec().width());
    }
    try (LocalTileSource src = new LocalTileSource(2)) {
      BufferedImage image = new Renderer(0).render(view, src, p -> {}).image();
      assertArrayEquals(RenderTest.pixels(reference), RenderTest.pixels(image));
    }
  }

  @Test
  void tasks_theOrderOfTheirCostsIsThatOfTheTilesWork() {
    View view = View.centred(-0.75, 0, 1, 256, 192, 500, 32);
    List<Task<TileSpec>> tasks = new Renderer(0).tasks(view.tiles());
    // Scatter-gather starts tasks in this order (a stable sort by cost, most first).
    List<Task<TileSpec>> byCost = new ArrayList<>(tasks);
    byCost.sort(Comparator.comparingLong((Task<TileSpec> t) -> t.cost()).reversed());

    long[] work = byCost.stream().mapToLong(t -> work(t.input())).toArray();
    long firstQuarter = Arrays.stream(work, 0, work.length / 4).sum();
    long lastQuarter = Arrays.stream(work, work.length * 3 / 4, work.length).sum();
    assertTrue(
        firstQuarter > 4 * lastQuarter,
        "first quarter " + firstQuarter + ", last quarter " + lastQuarter);
    int heaviest = 0;
    for (int i = 1; i < work.length; i++) {
      heaviest = work[i] > work[heaviest] ? i : heaviest;
    }
    assertTrue(heaviest < work.length / 4, "the heaviest tile starts " + heaviest + "th");
  }

  @Test
  void coarse_aTileTooSmallForOnePointIsItsPixels_aLargeOneTellsTheSetFromOutside() {
    assertEquals(63, TileCosts.coarse(new TileSpec(-0.2, -0.1, -0.1, 0, 9, 7, 65_535)));
    TileSpec outside = new TileSpec(1, 1.5, 1, 1.5, 128, 128, 1000);
    TileSpec boundary = new TileSpec(-0.8, -0.7, 0.05, 0.15, 128, 128, 1000);
    assertTrue(
        TileCosts.coarse(boundary) > 10 * TileCosts.coarse(outside),
        TileCosts.coarse(boundary) + " vs " + TileCosts.coarse(outside));
  }

  /** Iterations the kernel spends on a tile. */
  private static long work(TileSpec spec) {
    int[] counts = Mandelbrot.iterate(spec);
    long w = 0;
    for (int i = 0; i < counts.length; i++) {
      w += TileVerifierTest.cost(spec, counts, i);
    }
    return w;
  }
}
