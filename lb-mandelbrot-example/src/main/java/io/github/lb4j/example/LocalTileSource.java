package io.github.lb4j.example;

import io.github.lb4j.scatter.Progress;
import io.github.lb4j.scatter.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** Computes tiles in this process on a pool of threads: the reference render. */
final class LocalTileSource implements TileSource {
  private final ExecutorService pool;
  private final int threads;

  LocalTileSource(int threads) {
    this.threads = threads;
    AtomicInteger n = new AtomicInteger();
    this.pool =
        Executors.newFixedThreadPool(
            threads,
            r -> {
              Thread t = new Thread(r, "local-tiles-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  @Override
  public CompletableFuture<List<TileCounts>> compute(
      List<Task<TileSpec>> tasks, Consumer<? super Progress> progress) {
    AtomicInteger done = new AtomicInteger();
    List<CompletableFuture<TileCounts>> futures = new ArrayList<>(tasks.size());
    for (Task<TileSpec> task : tasks) {
      futures.add(
          CompletableFuture.supplyAsync(
                  () -> TileCounts.of(Mandelbrot.iterate(task.input()), task.input()), pool)
              .whenComplete(
                  (r, e) -> {
                    // Counted under the lock so that snapshots reach the listener in order.
                    synchronized (progress) {
                      progress.accept(
                          new Progress(done.incrementAndGet(), 0, tasks.size(), 0, 0, Map.of()));
                    }
                  }));
    }
    return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
        .thenApply(v -> futures.stream().map(CompletableFuture::join).toList());
  }

  @Override
  public String describe() {
    return "local, " + threads + " thread" + (threads == 1 ? "" : "s");
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
