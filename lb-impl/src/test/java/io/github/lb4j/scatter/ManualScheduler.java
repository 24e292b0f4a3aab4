package io.github.lb4j.scatter;

import io.github.lb4j.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/** A scheduler and ticker driven by hand: scheduled tasks run when {@link #advance} reaches them. */
final class ManualScheduler extends AbstractExecutorService
    implements ScheduledExecutorService, Ticker {

  private final PriorityQueue<Job> jobs =
      new PriorityQueue<>(Comparator.comparingLong((Job j) -> j.due).thenComparingLong(j -> j.seq));
  private long now = 1_000_000_000L;
  private long seq;

  @Override
  public synchronized long read() {
    return now;
  }

  /** Moves time forward, running every job that falls due, in order, at its due time. */
  void advance(Duration d) {
    long target;
    synchronized (this) {
      target = now + d.toNanos();
    }
    while (true) {
      Job next;
      synchronized (this) {
        next = jobs.peek();
        if (next == null || next.due > target) {
          now = target;
          return;
        }
        jobs.poll();
        now = next.due;
      }
      next.run();
    }
  }

  /** Jobs scheduled and neither run nor cancelled. */
  synchronized int pending() {
    int n = 0;
    for (Job j : jobs) {
      if (!j.cancelled) {
        n++;
      }
    }
    return n;
  }

  @Override
  public synchronized ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    Job j = new Job(command, now + unit.toNanos(Math.max(0, delay)), seq++);
    jobs.add(j);
    return j;
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
  public void shutdown() {}

  @Override
  public List<Runnable> shutdownNow() {
    return new ArrayList<>();
  }

  @Override
  public boolean isShutdown() {
    return false;
  }

  @Override
  public boolean isTerminated() {
    return false;
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return false;
  }

  private final class Job implements ScheduledFuture<Object> {
    final Runnable command;
    final long due;
    final long seq;
    volatile boolean cancelled;
    volatile boolean done;

    Job(Runnable command, long due, long seq) {
      this.command = command;
      this.due = due;
      this.seq = seq;
    }

    void run() {
      if (!cancelled) {
        done = true;
        command.run();
      }
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(due - read(), TimeUnit.NANOSECONDS);
    }

    @Override
    public int compareTo(Delayed o) {
      return Long.compare(getDelay(TimeUnit.NANOSECONDS), o.getDelay(TimeUnit.NANOSECONDS));
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      if (done) {
        return false;
      }
      cancelled = true;
      synchronized (ManualScheduler.this) {
        jobs.remove(this);
      }
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
}
