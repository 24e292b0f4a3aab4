package io.github.lb4j.example;

import io.github.lb4j.scatter.Progress;
import io.github.lb4j.scatter.Task;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/** Computes tiles' counts: in-process or across workers. */
interface TileSource extends AutoCloseable {

  /** Computes every tile; the results are in task order. */
  CompletableFuture<List<TileCounts>> compute(
      List<Task<TileSpec>> tasks, Consumer<? super Progress> progress);

  /** A short description for reports, such as {@code "4 workers, least-connection"}. */
  String describe();

  @Override
  void close();
}
