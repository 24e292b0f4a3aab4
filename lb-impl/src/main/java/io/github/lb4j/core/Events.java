package io.github.lb4j.core;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One balancer's serial event executor: events are queued by the writer under its lock, in the
 * order of the changes, and delivered after the lock is released, one at a time, on {@code
 * executor}.
 *
 * <p>With the default direct executor the thread that made a change delivers its events, unless
 * another thread is delivering already, in which case it queues them and returns: that thread
 * delivers them next, in order. A listener that makes a change (a nested call) therefore never sees
 * its own change's events before the one it is handling, and a slow listener delays only the thread
 * that is delivering, never {@code choose()}, which reads no event state, nor another thread's
 * change. With another executor, delivery runs there and no caller ever waits.
 *
 * <p>Threading: {@link #queue} and {@link #deliver} may be called from any thread.
 */
final class Events {
  private static final Logger log = LoggerFactory.getLogger(Events.class);

  private final String balancer;
  private final Executor executor;
  private final ConcurrentLinkedQueue<Runnable> pending = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean delivering = new AtomicBoolean();
  private final Runnable drain = this::drain;

  Events(String balancer, Executor executor) {
    this.balancer = balancer;
    this.executor = executor;
  }

  /** Queues an event; called under the balancer's lock. */
  void queue(Runnable event) {
    pending.add(event);
  }

  /** Delivers what is queued; called after releasing the balancer's lock. */
  void deliver() {
    if (pending.isEmpty() || delivering.get()) {
      return;
    }
    try {
      executor.execute(drain);
    } catch (RejectedExecutionException e) {
      log.warn("balancer '{}': event executor rejected delivery; delivering here", balancer, e);
      drain();
    }
  }

  private void drain() {
    // Re-check after releasing the flag: an event queued while the last one was being delivered
    // would otherwise wait for the next change.
    while (!pending.isEmpty() && delivering.compareAndSet(false, true)) {
      try {
        for (Runnable event = pending.poll(); event != null; event = pending.poll()) {
          event.run();
        }
      } finally {
        delivering.set(false);
      }
    }
  }
}
