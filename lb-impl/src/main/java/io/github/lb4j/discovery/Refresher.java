package io.github.lb4j.discovery;

import io.github.lb4j.Endpoint;
import io.github.lb4j.Ticker;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running subscription of every polling source: looks, decides what to deliver, and schedules
 * the next look.
 *
 * <p>Two locks, because looking can take as long as a DNS timeout and closing must not wait for
 * that: {@link #lookLock} serializes looks (the scheduled one and {@link #refresh()} callers), and
 * {@link #deliverLock} makes "closed" and "delivering" exclusive, so that no delivery starts after
 * {@link #close()} returns.
 *
 * <p>Problems are logged at WARN once per streak, so that a DNS server down for an hour writes one
 * line, then DEBUG; the end of a streak is logged at INFO.
 */
final class Refresher implements Subscription {
  private static final Logger log = LoggerFactory.getLogger(Refresher.class);

  private final String description;
  private final PollingSource.Look look;
  private final Consumer<List<Endpoint>> updates;
  private final ScheduledExecutorService scheduler;
  private final boolean ownsScheduler;
  private final Ticker ticker;
  private final Duration retryDelay;
  private final boolean removeOnEmpty;

  private final ReentrantLock lookLock = new ReentrantLock();
  private final ReentrantLock deliverLock = new ReentrantLock();
  private volatile boolean closed;

  // Written under lookLock; read by close().
  private volatile ScheduledFuture<?> next;
  // Guarded by lookLock.
  private List<Endpoint> delivered; // null until the first delivery
  private int streak;
  private Resolution.Kind streakKind;
  private long streakStartNanos;

  Refresher(
      String description,
      PollingSource.Look look,
      Consumer<List<Endpoint>> updates,
      ScheduledExecutorService scheduler,
      boolean ownsScheduler,
      Ticker ticker,
      Duration retryDelay,
      boolean removeOnEmpty) {
    this.description = description;
    this.look = look;
    this.updates = updates;
    this.scheduler = scheduler;
    this.ownsScheduler = ownsScheduler;
    this.ticker = ticker;
    this.retryDelay = retryDelay;
    this.removeOnEmpty = removeOnEmpty;
  }

  @Override
  public void refresh() {
    lookLock.lock();
    try {
      if (closed) {
        return;
      }
      Resolution result;
      try {
        result = look.look();
      } catch (Exception e) {
        log.debug("{}: look failed", description, e);
        result = Resolution.failed(e.toString());
      }
      Duration delay = handle(result);
      schedule(delay);
    } finally {
      lookLock.unlock();
    }
  }

  /** Decides what to log and deliver for one result; returns when to look again. */
  private Duration handle(Resolution result) {
    switch (result.kind()) {
      case FOUND -> {
        endStreak(result);
        deliver(result.endpoints(), result.detail());
        return result.next();
      }
      case EMPTY -> {
        if (removeOnEmpty) {
          endStreak(result);
          deliver(List.of(), result.detail() + "; removing all endpoints (removeOnEmpty)");
        } else {
          problem(result);
        }
        return result.next();
      }
      default -> {
        problem(result);
        return retryDelay;
      }
    }
  }

  private void problem(Resolution result) {
    String keeping =
        delivered == null
            ? "no endpoints known yet"
            : "keeping the last good set of " + delivered.size() + " endpoints";
    if (streak == 0 || streakKind != result.kind()) {
      if (streak == 0) {
        streakStartNanos = ticker.read();
      }
      log.warn("{}: {}; {}", description, result.detail(), keeping);
      streakKind = result.kind();
    } else {
      log.debug("{}: {} ({} in a row); {}", description, result.detail(), streak + 1, keeping);
    }
    streak++;
  }

  private void endStreak(Resolution result) {
    if (streak > 0) {
      long seconds = TimeUnit.NANOSECONDS.toSeconds(ticker.read() - streakStartNanos);
      log.info(
          "{}: recovered after {} failed looks over {} s: {}",
          description,
          streak,
          seconds,
          result.detail());
      streak = 0;
      streakKind = null;
    }
  }

  private void deliver(List<Endpoint> endpoints, String detail) {
    if (delivered != null && sameEndpoints(delivered, endpoints)) {
      log.debug("{}: unchanged: {}", description, detail);
      return;
    }
    deliverLock.lock();
    try {
      if (closed) {
        return;
      }
      try {
        updates.accept(endpoints);
      } catch (RuntimeException e) {
        log.warn("{}: consumer threw; will deliver again at the next refresh", description, e);
        return;
      }
      log.info("{}: {} endpoints: {}", description, endpoints.size(), detail);
      delivered = endpoints;
    } finally {
      deliverLock.unlock();
    }
  }

  /** Same ids with the same address, weight and metadata, in the same (sorted) order. */
  static boolean sameEndpoints(List<Endpoint> a, List<Endpoint> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      Endpoint x = a.get(i);
      Endpoint y = b.get(i);
      if (!x.id().equals(y.id())
          || !x.address().equals(y.address())
          || x.weight() != y.weight()
          || !x.metadata().equals(y.metadata())) {
        return false;
      }
    }
    return true;
  }

  private void schedule(Duration delay) {
    if (next != null) {
      next.cancel(false);
    }
    if (closed) {
      return;
    }
    try {
      next = scheduler.schedule(this::refresh, delay.toNanos(), TimeUnit.NANOSECONDS);
      log.debug("{}: next look in {}", description, delay);
    } catch (RejectedExecutionException e) {
      if (closed) {
        return; // closed while looking: our own scheduler was shut down
      }
      log.warn("{}: the scheduler refused the next look; refreshes stop", description, e);
    }
  }

  @Override
  public void close() {
    deliverLock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
    } finally {
      deliverLock.unlock();
    }
    // The look in progress, if any, sees `closed` and schedules nothing; cancel what is scheduled.
    ScheduledFuture<?> scheduled = next;
    if (scheduled != null) {
      scheduled.cancel(false);
    }
    if (ownsScheduler) {
      scheduler.shutdownNow();
    }
    log.info("{}: closed", description);
  }

  @Override
  public String toString() {
    return description;
  }
}
