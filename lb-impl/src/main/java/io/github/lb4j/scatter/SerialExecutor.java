package io.github.lb4j.scatter;

import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks one at a time, in the order they were submitted, on whichever thread submits while
 * nothing runs; a task submitted while another runs (from another thread, or re-entrantly from the
 * running task) is queued and run by the thread already draining the queue, after the current task.
 * So tasks never overlap, never recurse, and {@link #execute} never blocks on another task.
 *
 * <p>A task that throws a {@link RuntimeException} is logged and the queue goes on. After an {@link
 * Error} the draining thread stops and rethrows; the tasks still queued run at the next {@link
 * #execute}.
 *
 * <p>Threading: {@link #execute} may be called from any thread.
 */
final class SerialExecutor implements Executor {
  private static final Logger log = LoggerFactory.getLogger(SerialExecutor.class);

  private final ArrayDeque<Runnable> queue = new ArrayDeque<>(); // guarded by this
  private boolean draining; // guarded by this

  @Override
  public void execute(Runnable task) {
    Objects.requireNonNull(task, "task");
    synchronized (this) {
      queue.addLast(task);
      if (draining) {
        return;
      }
      draining = true;
    }
    drain();
  }

  private void drain() {
    boolean finished = false;
    try {
      while (true) {
        Runnable next;
        synchronized (this) {
          next = queue.pollFirst();
          if (next == null) {
            draining = false;
            finished = true;
            return;
          }
        }
        try {
          next.run();
        } catch (RuntimeException e) {
          log.error("task {} threw; running the next one", next, e);
        }
      }
    } finally {
      if (!finished) { // an Error: let the next execute drain what is left
        synchronized (this) {
          draining = false;
        }
      }
    }
  }
}
