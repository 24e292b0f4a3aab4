package io.github.lb4j.core;

import io.github.lb4j.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A clock and scheduler driven by hand: time moves only in {@link #advance}, which runs the tasks
 * that fall due, in time order, on the calling thread. Tasks may be scheduled from any thread.
 */
final class FakeClock extends AbstractExecutorService implements Ticker, ScheduledExecutorService {
  private final PriorityQueue<Task> queue = new PriorityQueue<>();
  private long now = 1_000_000_000L;
  private long sequence;
  private boolean shutdown;

  @Override
  public synchronized long read() {
    return now;
  }

  /** Moves time forward by {@code d}, running every task due up to the new time. */
  void advance(Duration d) {
    long target;
    synchronized (this) {
      target = now + d.toNanos();
    }
    while (true) {
      Task task;
      synchronized (this) {
        task = queue.peek();
        if (task == null || task.at > target) {
          now = target;
          return;
        }
        queue.poll();
        now = Math.max(now, task.at);
      }
      task.run();
    }
  }

  /** Runs the tasks due now without moving time. */
  void runDue() {
    advance(Duration.ZERO);
  }

  /** Tasks waiting to run. */
  synchronized int pending() {
    int n = 0;
    for (Task t : queue) {
      if (!t.isCancelled()) {
        n++;
      }
    }
    return n;
  }

  @Override
  public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    return enqueue(command, unit.toNanos(delay));
  }

  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    throw new UnsupportedOperationException();
  }

  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(
      Runnable command, long initialDelay, long period, TimeUnit unit) {
    throw new UnsupportedOperationException();
  }

  @Override
  public ScheduledFuture<?> scheduleWithFixedDelay(
      Runnable command, long initialDelay, long delay, TimeUnit unit) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void execute(Runnable command) {
    enqueue(command, 0);
  }

  private synchronized Task enqueue(Runnable command, long delayNanos) {
    if (shutdown) {
      throw new java.util.concurrent.RejectedExecutionException("shut down");
    }
    Task task = new Task(command, now + Math.max(0, delayNanos), sequence++);
    queue.add(task);
    return task;
  }

  @Override
  public synchronized void shutdown() {
    shutdown = true;
  }

  @Override
  public synchronized List<Runnable> shutdownNow() {
    shutdown = true;
    List<Runnable> left = new ArrayList<>(queue);
    queue.clear();
    return left;
  }

  @Override
  public synchronized boolean isShutdown() {
    return shutdown;
  }

  @Override
  public synchronized boolean isTerminated() {
    return shutdown;
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return isShutdown();
  }

  private final class Task implements ScheduledFuture<Object>, Runnable {
    final Runnable command;
    final long at;
    final long seq;
    private volatile int state; // 0 waiting, 1 done, 2 cancelled

    Task(Runnable command, long at, long seq) {
      this.command = command;
      this.at = at;
      this.seq = seq;
    }

    @Override
    public void run() {
      if (state != 0) {
        return;
      }
      state = 1;
      command.run();
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(at - read(), TimeUnit.NANOSECONDS);
    }

    @Override
    public int compareTo(Delayed o) {
      Task other = (Task) o;
      int c = Long.compare(at, other.at);
      return c != 0 ? c : Long.compare(seq, other.seq);
    }

    @Override
    public boolean cancel(boolean mayInterrupt) {
      if (state != 0) {
        return false;
      }
      state = 2;
      synchronized (FakeClock.this) {
        queue.remove(this);
      }
      return true;
    }

    @Override
    public boolean isCancelled() {
      return state == 2;
    }

    @Override
    public boolean isDone() {
      return state != 0;
    }

    @Override
    public Object get() throws ExecutionException {
      return null;
    }

    @Override
    public Object get(long timeout, TimeUnit unit) {
      return null;
    }
  }
}
