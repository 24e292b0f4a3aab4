package io.github.lb4j.example;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.lb4j.scatter.Progress;
import io.github.lb4j.scatter.Task;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import javax.imageio.ImageIO;

/**
 * Renders views: takes the tiles it has from a cache bounded by bytes, computes the others with a
 * {@link TileSource}, most expensive first ({@link TileCosts}), and paints each tile's verified
 * counts straight into the image's raster with the one {@link Palette}.
 *
 * <p>Thread safe: renders may run concurrently and share the cache.
 */
final class Renderer {

  /** The outcome of a render. */
  record Result(BufferedImage image, int tiles, int cached, Progress progress, long nanos) {}

  private final Cache<TileSpec, TileCounts> cache;
  private final TileCosts costs;

  /** A renderer whose tile cache holds at most {@code cacheBytes} of counts. */
  Renderer(long cacheBytes) {
    this(cacheBytes, new TileCosts());
  }

  /**
   * A renderer whose tile cache holds at most {@code cacheBytes} of counts, estimating tiles' costs
   * with {@code costs} (which renderers may share).
   */
  Renderer(long cacheBytes, TileCosts costs) {
    this.costs = costs;
    this.cache =
        Caffeine.newBuilder()
            // Evict on the caller's thread: the bound holds as soon as put returns, not whenever
            // the common pool gets to it (a busy machine made the tests see evicted tiles).
            .executor(Runnable::run)
            .maximumWeight(cacheBytes)
            .weigher((TileSpec k, TileCounts v) -> 64 + v.sizeBytes())
            .build();
  }

  /**
   * Looks the tiles up in the cache: hands each cached one with its counts to {@code onCached} and
   * returns the others, in order.
   */
  List<View.Tile> missing(List<View.Tile> tiles, BiConsumer<View.Tile, TileCounts> onCached) {
    List<View.Tile> missing = new ArrayList<>();
    for (View.Tile t : tiles) {
      TileCounts counts = cache.getIfPresent(t.spec());
      if (counts != null) {
        onCached.accept(t, counts);
      } else {
        missing.add(t);
      }
    }
    return missing;
  }

  /** The tasks computing {@code tiles}, keyed by tile for affinity, with their estimated costs. */
  List<Task<TileSpec>> tasks(List<View.Tile> tiles) {
    List<Task<TileSpec>> tasks = new ArrayList<>(tiles.size());
    for (View.Tile t : tiles) {
      tasks.add(new Task<>(t.spec(), t.key(), costs.estimate(t.spec())));
    }
    return tasks;
  }

  /** Caches a tile's counts. */
  void remember(TileSpec spec, TileCounts counts) {
    cache.put(spec, counts);
  }

  /**
   * Renders a view.
   *
   * @throws RenderException when a tile could not be computed
   */
  Result render(View view, TileSource source, Consumer<? super Progress> progress) {
    long start = System.nanoTime();
    List<View.Tile> tiles = view.tiles();
    BufferedImage image =
        new BufferedImage(view.width(), view.height(), BufferedImage.TYPE_INT_RGB);
    // The raster's own array: tiles are painted into it, not copied in through setRGB.
    int[] pixels = ((DataBufferInt) image.getRaster().getDataBuffer()).getData();
    Palette palette = new Palette(view.maxIter());
    List<View.Tile> missing =
        missing(
            tiles, (t, c) -> c.paint(palette, pixels, t.y() * view.width() + t.x(), view.width()));
    Progress last = new Progress(0, 0, 0, 0, 0, java.util.Map.of());
    if (!missing.isEmpty()) {
      Progress[] seen = {last};
      Consumer<Progress> track =
          p -> {
            seen[0] = p;
            progress.accept(p);
          };
      List<TileCounts> computed;
      try {
        computed = source.compute(tasks(missing), track).join();
      } catch (CompletionException e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        throw new RenderException(RenderException.summary(cause), cause);
      }
      for (int i = 0; i < missing.size(); i++) {
        View.Tile t = missing.get(i);
        TileCounts c = computed.get(i);
        c.paint(palette, pixels, t.y() * view.width() + t.x(), view.width());
        cache.put(t.spec(), c);
      }
      last = seen[0];
    }
    return new Result(
        image, tiles.size(), tiles.size() - missing.size(), last, System.nanoTime() - start);
  }

  /** Writes a PNG atomically: to a temporary file beside {@code out}, then moved over it. */
  static void writePng(BufferedImage image, Path out) throws IOException {
    Path abs = out.toAbsolutePath();
    Path dir = abs.getParent();
    Path tmp = Files.createTempFile(dir, "." + abs.getFileName(), ".tmp");
    try {
      if (!ImageIO.write(image, "png", tmp.toFile())) {
        throw new IOException("no PNG writer");
      }
      try {
        Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
