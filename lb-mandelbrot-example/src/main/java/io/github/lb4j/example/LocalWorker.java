package io.github.lb4j.example;

import java.net.URI;
import java.util.OptionalLong;

/**
 * A worker this run started on 127.0.0.1: in this process ({@link WorkerServer}) or as a child
 * process ({@link WorkerProcess}, {@code --processes}). The {@link Supervisor} and the front end
 * control either kind through this interface.
 *
 * <p>Threading: implementations are thread safe.
 */
interface LocalWorker extends AutoCloseable {

  /** The id the worker answers with in {@code X-Worker-Id}. */
  String id();

  /** The worker's address; the same after it stopped. */
  URI uri();

  /** Tiles the worker answered so far; -1 when it cannot be asked (a dead process). */
  int tilesServed();

  /** Tiles being computed or waiting for a compute thread now; -1 when it cannot be asked. */
  int inFlight();

  /** Whether the worker was killed or stopped, or its process has exited. */
  boolean isClosed();

  /** The slow factor of its answers; 1 for full speed. */
  double slowFactor();

  /**
   * Changes the slow factor of the answers from now on.
   *
   * @throws IllegalStateException when the worker cannot change it while running (a process)
   */
  void slowFactor(double factor);

  /** The operating system's id of the worker's process, when it runs in a process of its own. */
  default OptionalLong pid() {
    return OptionalLong.empty();
  }

  /**
   * Freezes the worker ({@code SIGSTOP}): it keeps its connections and port but answers nothing,
   * the way a hung process or a long GC pause looks from outside.
   *
   * @throws IllegalStateException when the worker has no process of its own, or it is not running
   * @throws UnsupportedOperationException where POSIX signals are not available
   */
  default void pause() {
    throw new IllegalStateException(
        "stop: '" + id() + "' runs inside this process (expected: a worker process, --processes)");
  }

  /**
   * Lets a {@link #pause paused} worker run again ({@code SIGCONT}).
   *
   * @throws IllegalStateException when the worker has no process of its own, or it is not running
   * @throws UnsupportedOperationException where POSIX signals are not available
   */
  default void resume() {
    throw new IllegalStateException(
        "resume: '"
            + id()
            + "' runs inside this process (expected: a worker process, --processes)");
  }

  /** Whether the worker is {@link #pause paused}. */
  default boolean isPaused() {
    return false;
  }

  /** Stops the worker the way a crash would: at once, dropping the calls in flight. */
  default void kill() {
    close();
  }

  /** Stops the worker; idempotent. */
  @Override
  void close();
}
