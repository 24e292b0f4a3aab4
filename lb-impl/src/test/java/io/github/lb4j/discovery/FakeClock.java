package io.github.lb4j.discovery;

import io.github.lb4j.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Hand-driven time: a {@link Ticker} and a scheduler whose tasks run on the test's thread, only
 * when {@link #advance} reaches their time. Nothing here sleeps.
 */
final class FakeClock implements Ticker {
  private long nanos = 1_000_000_000L;
  private long sequence;
  private final PriorityQueue<Task> queue = new PriorityQueue<>();
  private final Scheduler scheduler = new Scheduler();
  private boolean shutdown;

  @Override
  public synchronized long read() {
    return nanos;
  }

  ScheduledExecutorService scheduler() {
    return scheduler;
  }

  /** Moves time forward, running every task that falls due on the way, in time order. */
  void advance(Duration by) {
    long target;
    synchronized (this) {
      target = nanos + by.toNanos();
    }
    while (true) {
      Task task;
      synchronized (this) {
        task = queue.peek();
        if (task == null || task.due > target) {
          nanos = target;
          return;
        }
        queue.poll();
        nanos = Math.max(nanos, task.due);
      }
      if (!task.isCancelled()) {
        task.runnable.run();
        task.done = true;
      }
    }
  }

  /** Delays of the tasks still waiting, from now, in order. */
  synchronized List<Duration> pendingDelays() {
    List<Task> tasks = new ArrayList<>(queue);
    tasks.sort(null);
    List<Duration> delays = new ArrayList<>();
    for (Task t : tasks) {
      if (!t.isCancelled()) {
        delays.add(Duration.ofNanos(t.due - nanos));
      }
    }
    return delays;
  }

  private final class Task implements ScheduledFuture<Object> {
    final long due;
    final long seq;
    final Runnable runnable;
    volatile boolean cancelled;
    volatile boolean done;

    Task(long due, long seq, Runnable runnable) {
      this.due = due;
      this.seq = seq;
      this.runnable = runnable;
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(due - read(), TimeUnit.NANOSECONDS);
    }

    @Override
    public int compareTo(Delayed o) {
      Task other = (Task) o;
      return due != other.due ? Long.compare(due, other.due) : Long.compare(seq, other.seq);
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      if (done) {
        return false;
      }
      cancelled = true;
      return true;
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }

    @Override
    public boolean isDone() {
      return done || cancelled;
    }

    @Override
    public Object get() {
      throw new UnsupportedOperationException();
    }

    @Override
    public Object get(long timeout, TimeUnit unit) {
      throw new UnsupportedOperationException();
    }
  }

  private final class Scheduler extends AbstractExecutorService
      implements ScheduledExecutorService {

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
      synchronized (FakeClock.this) {
        if (shutdown) {
          throw new java.util.concurrent.RejectedExecutionException("shut down");
        }
        Task task = new Task(nanos + unit.toNanos(Math.max(0, delay)), sequence++, command);
        queue.add(task);
        return task;
      }
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
      schedule(command, 0, TimeUnit.NANOSECONDS);
    }

    @Override
    public void shutdown() {
      synchronized (FakeClock.this) {
        shutdown = true;
      }
    }

    @Override
    public List<Runnable> shutdownNow() {
      shutdown();
      return List.of();
    }

    @Override
    public boolean isShutdown() {
      synchronized (FakeClock.this) {
        return shutdown;
      }
    }

    @Override
    public boolean isTerminated() {
      return isShutdown();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
      return isShutdown();
    }
  }
}
