package io.github.lb4j.example;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.lb4j.scatter.Progress;
import io.github.lb4j.scatter.Task;
import java.awt.image.BufferedImage;
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
 * {@link TileSource}, and colours the counts with the one {@link Palette}.
 *
 * <p>Thread safe: renders may run concurrently and share the cache.
 */
final class Renderer {

  /** The outcome of a render. */
  record Result(BufferedImage image, int tiles, int cached, Progress progress, long nanos) {}

  private final Cache<TileSpec, int[]> cache;

  /** A renderer whose tile cache holds at most {@code cacheBytes} of counts. */
  Renderer(long cacheBytes) {
    this.cache =
        Caffeine.newBuilder()
            // Evict on the caller's thread: the bound holds as soon as put returns, not whenever
            // the common pool gets to it (a busy machine made the tests see evicted tiles).
            .executor(Runnable::run)
            .maximumWeight(cacheBytes)
            .weigher((TileSpec k, int[] v) -> 64 + 4 * v.length)
            .build();
  }

  /**
   * Looks the tiles up in the cache: hands each cached one with its counts to {@code onCached} and
   * returns the others, in order.
   */
  List<View.Tile> missing(List<View.Tile> tiles, BiConsumer<View.Tile, int[]> onCached) {
    List<View.Tile> missing = new ArrayList<>();
    for (View.Tile t : tiles) {
      int[] counts = cache.getIfPresent(t.spec());
      if (counts != null) {
        onCached.accept(t, counts);
      } else {
        missing.add(t);
      }
    }
    return missing;
  }

  /** The tasks computing {@code tiles}, keyed by tile for affinity. */
  static List<Task<TileSpec>> tasks(List<View.Tile> tiles) {
    List<Task<TileSpec>> tasks = new ArrayList<>(tiles.size());
    for (View.Tile t : tiles) {
      tasks.add(Task.keyed(t.key(), t.spec()));
    }
    return tasks;
  }

  /** Caches a tile's counts. */
  void remember(TileSpec spec, int[] counts) {
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
    int[][] counts = new int[tiles.size()][];
    List<View.Tile> missing = missing(tiles, (t, c) -> counts[t.index()] = c);
    Progress last = new Progress(0, 0, 0, 0, 0, java.util.Map.of());
    if (!missing.isEmpty()) {
      Progress[] seen = {last};
      Consumer<Progress> track =
          p -> {
            seen[0] = p;
            progress.accept(p);
          };
      List<int[]> computed;
      try {
        computed = source.compute(tasks(missing), track).join();
      } catch (CompletionException e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        throw new RenderException(RenderException.summary(cause), cause);
      }
      for (int i = 0; i < missing.size(); i++) {
        View.Tile t = missing.get(i);
        counts[t.index()] = computed.get(i);
        cache.put(t.spec(), computed.get(i));
      }
      last = seen[0];
    }
    BufferedImage image = colour(view, tiles, counts);
    return new Result(
        image, tiles.size(), tiles.size() - missing.size(), last, System.nanoTime() - start);
  }

  private static BufferedImage colour(View view, List<View.Tile> tiles, int[][] counts) {
    Palette palette = new Palette(view.maxIter());
    BufferedImage image =
        new BufferedImage(view.width(), view.height(), BufferedImage.TYPE_INT_RGB);
    for (View.Tile t : tiles) {
      int[] rgb = palette.rgb(counts[t.index()]);
      image.setRGB(t.x(), t.y(), t.spec().width(), t.spec().height(), rgb, 0, t.spec().width());
    }
    return image;
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
