package io.github.lb4j.testing;

import io.github.lb4j.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Delayed;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Time driven by hand, for tests: a {@link Ticker} and a {@link ScheduledExecutorService} whose
 * tasks run only when the test moves time with {@link #advance} (or {@link #runDue}), so no test
 * sleeps and every run is the same.
 *
 * <pre>{@code
 * FakeClock clock = new FakeClock();
 * Balancer balancer = Balancers.builder()
 *     .endpoints("http://127.0.0.1:8081", "http://127.0.0.1:8082")
 *     .ticker(clock)
 *     .scheduler(clock)
 *     .healthCheck(h -> h.interval(Duration.ofSeconds(1)).jitter(0))
 *     .build();
 * clock.runDue();                          // the first probes go out
 * clock.advance(Duration.ofSeconds(1));    // one probe interval later
 * }</pre>
 *
 * <p>Semantics:
 *
 * <ul>
 *   <li>Time starts at one second and moves only in {@link #advance}; like a real ticker's, its
 *       origin means nothing, so tests look only at differences.
 *   <li>{@link #advance} runs every task that falls due up to the new time, in order of due time,
 *       tasks due at the same time first-in first-out; while a task runs, {@link #read} returns its
 *       due time. A task scheduled by a running task runs in the same call if it falls due before
 *       the target time.
 *   <li>{@link #execute} does not run the command at once: it queues it with no delay, so it runs
 *       at the next {@link #advance} or {@link #runDue}.
 *   <li>A cancelled task never runs and is no longer {@link #pending}. As with {@link
 *       java.util.concurrent.ScheduledThreadPoolExecutor}, cancelling a task while it runs succeeds
 *       and marks it cancelled without stopping the run under way; cancelling a task that has
 *       finished returns {@code false}.
 *   <li>A task that throws stops {@link #advance} and the exception reaches the test; the tasks
 *       still due stay queued.
 *   <li>After {@link #shutdown} new tasks are rejected with {@link RejectedExecutionException};
 *       tasks already queued still run when time moves. {@link #shutdownNow} also drops the queue
 *       and returns the dropped tasks.
 *   <li>Only one-shot {@link Runnable} tasks are supported; the other scheduling methods throw
 *       {@link UnsupportedOperationException}.
 * </ul>
 *
 * <p>Threading: every method may be called from any thread, so code under test may schedule and
 * cancel from its own threads (an HTTP callback, for instance). Tasks run on the thread that calls
 * {@link #advance} or {@link #runDue}, outside this clock's lock, so a task may schedule, cancel
 * and read the time. Only one thread should move time at once.
 */
public final class FakeClock extends AbstractExecutorService
    implements Ticker, ScheduledExecutorService {
  private static final long START_NANOS = 1_000_000_000L;

  private final PriorityQueue<Task> queue = new PriorityQueue<>();
  private long now = START_NANOS;
  private long sequence;
  private boolean shutdown;

  /** A clock at one second with nothing scheduled. */
  public FakeClock() {}

  /** The current time in nanoseconds; moves only in {@link #advance}. */
  @Override
  public synchronized long read() {
    return now;
  }

  /**
   * {@return this clock as a scheduler, for code that takes one: the same object, for readability}
   */
  public ScheduledExecutorService scheduler() {
    return this;
  }

  /**
   * Moves time forward by {@code by}, running on the calling thread every task that falls due on
   * the way, in due order (same due time: first scheduled, first run).
   *
   * @param by how far to move, {@code >= 0}
   * @throws IllegalArgumentException if {@code by} is negative: time does not go back
   */
  public void advance(Duration by) {
    Objects.requireNonNull(by, "by");
    if (by.isNegative()) {
      throw new IllegalArgumentException("by: " + by + " (expected: >= 0)");
    }
    long target;
    synchronized (this) {
      target = now + by.toNanos();
    }
    while (true) {
      Task task;
      synchronized (this) {
        task = queue.peek();
        if (task == null || task.due > target) {
          now = target;
          return;
        }
        queue.poll();
        now = Math.max(now, task.due);
      }
      task.run();
    }
  }

  /** Runs the tasks due now, including those queued by {@link #execute}, without moving time. */
  public void runDue() {
    advance(Duration.ZERO);
  }

  /** {@return how many tasks are waiting to run (cancelled and finished tasks are not counted)} */
  public synchronized int pending() {
    return queue.size();
  }

  /** {@return how long from now each waiting task is due, soonest first} */
  public synchronized List<Duration> pendingDelays() {
    List<Task> tasks = new ArrayList<>(queue);
    tasks.sort(null);
    List<Duration> delays = new ArrayList<>(tasks.size());
    for (Task t : tasks) {
      delays.add(Duration.ofNanos(t.due - now));
    }
    return delays;
  }

  /**
   * Queues {@code command} to run {@code delay} from now; a negative delay means now.
   *
   * @throws RejectedExecutionException after {@link #shutdown}
   */
  @Override
  public synchronized ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    Objects.requireNonNull(command, "command");
    Objects.requireNonNull(unit, "unit");
    if (shutdown) {
      throw new RejectedExecutionException("shut down: " + command);
    }
    Task task = new Task(command, now + unit.toNanos(Math.max(0, delay)), sequence++);
    queue.add(task);
    return task;
  }

  /** Not supported: lb4j schedules only one-shot runnables. */
  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    throw new UnsupportedOperationException("schedule(Callable) is not supported");
  }

  /** Not supported: lb4j schedules only one-shot runnables. */
  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(
      Runnable command, long initialDelay, long period, TimeUnit unit) {
    throw new UnsupportedOperationException("scheduleAtFixedRate is not supported");
  }

  /** Not supported: lb4j schedules only one-shot runnables. */
  @Override
  public ScheduledFuture<?> scheduleWithFixedDelay(
      Runnable command, long initialDelay, long delay, TimeUnit unit) {
    throw new UnsupportedOperationException("scheduleWithFixedDelay is not supported");
  }

  /**
   * Queues {@code command} with no delay: it runs at the next {@link #advance} or {@link #runDue},
   * not at once.
   */
  @Override
  public void execute(Runnable command) {
    // execute() has no handle to give back: the task's own future is the queue's business.
    ScheduledFuture<?> unused = schedule(command, 0, TimeUnit.NANOSECONDS);
  }

  /** Rejects new tasks from now on; queued tasks still run when time moves. */
  @Override
  public synchronized void shutdown() {
    shutdown = true;
  }

  /** Rejects new tasks and drops the queued ones, which it returns in due order. */
  @Override
  public synchronized List<Runnable> shutdownNow() {
    shutdown = true;
    List<Task> tasks = new ArrayList<>(queue);
    tasks.sort(null);
    queue.clear();
    List<Runnable> dropped = new ArrayList<>(tasks.size());
    for (Task t : tasks) {
      dropped.add(t.command);
    }
    return dropped;
  }

  /** Whether {@link #shutdown} or {@link #shutdownNow} was called. */
  @Override
  public synchronized boolean isShutdown() {
    return shutdown;
  }

  /** Same as {@link #isShutdown}: nothing runs in the background, so there is nothing to await. */
  @Override
  public synchronized boolean isTerminated() {
    return shutdown;
  }

  /** Returns {@link #isShutdown} at once: waiting could only block the test's own thread. */
  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return isShutdown();
  }

  private final class Task implements ScheduledFuture<Object> {
    private static final int WAITING = 0;
    private static final int RUNNING = 1;
    private static final int DONE = 2;

    final Runnable command;
    final long due;
    final long seq;
    // Guarded by FakeClock.this; a task can be cancelled from another thread while it runs.
    private int state = WAITING;
    private boolean cancelled;

    Task(Runnable command, long due, long seq) {
      this.command = command;
      this.due = due;
      this.seq = seq;
    }

    void run() {
      synchronized (FakeClock.this) {
        if (cancelled) {
          return;
        }
        state = RUNNING;
      }
      try {
        command.run();
      } finally {
        synchronized (FakeClock.this) {
          state = DONE;
        }
      }
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(due - read(), TimeUnit.NANOSECONDS);
    }

    @Override
    public int compareTo(Delayed o) {
      if (o instanceof Task other) {
        int c = Long.compare(due, other.due);
        return c != 0 ? c : Long.compare(seq, other.seq);
      }
      return Long.compare(getDelay(TimeUnit.NANOSECONDS), o.getDelay(TimeUnit.NANOSECONDS));
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      synchronized (FakeClock.this) {
        if (state == DONE || cancelled) {
          return false;
        }
        cancelled = true;
        queue.remove(this);
        return true;
      }
    }

    @Override
    public boolean isCancelled() {
      synchronized (FakeClock.this) {
        return cancelled;
      }
    }

    @Override
    public boolean isDone() {
      synchronized (FakeClock.this) {
        return state == DONE || cancelled;
      }
    }

    /**
     * Returns {@code null} once the task has run; never blocks, since only the test's own thread
     * could make it run.
     */
    @Override
    public Object get() {
      synchronized (FakeClock.this) {
        if (cancelled) {
          throw new CancellationException("cancelled");
        }
        if (state != DONE) {
          throw new IllegalStateException(
              "not run yet: due in " + Duration.ofNanos(due - now) + "; advance the clock first");
        }
        return null;
      }
    }

    @Override
    public Object get(long timeout, TimeUnit unit) {
      return get();
    }
  }
}
