package io.github.lb4j.core;

import io.github.lb4j.Endpoint;
import io.github.lb4j.Lease;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * A call in flight on one slot. The first report wins and the first close releases the slot; a
 * single atomic state word enforces both, so a lease can never count twice or release twice.
 */
final class DefaultLease implements Lease {
  private static final int OPEN = 0;
  private static final int REPORTED = 1;
  private static final int CLOSED = 2;
  private static final AtomicIntegerFieldUpdater<DefaultLease> STATE =
      AtomicIntegerFieldUpdater.newUpdater(DefaultLease.class, "state");

  private final DefaultBalancer balancer;
  private final EndpointSlot slot;
  private final Endpoint endpoint;
  private final long startNanos;
  private volatile int state;

  DefaultLease(DefaultBalancer balancer, EndpointSlot slot, long startNanos) {
    this.balancer = balancer;
    this.slot = slot;
    this.endpoint = slot.endpoint();
    this.startNanos = startNanos;
  }

  @Override
  public Endpoint endpoint() {
    return endpoint;
  }

  @Override
  public void success() {
    if (STATE.compareAndSet(this, OPEN, REPORTED)) {
      balancer.onSuccess(slot, startNanos, balancer.ticker().read());
    }
  }

  @Override
  public void failure() {
    failure(null);
  }

  @Override
  public void failure(Throwable cause) {
    if (STATE.compareAndSet(this, OPEN, REPORTED)) {
      balancer.onFailure(slot, startNanos, balancer.ticker().read(), cause);
    }
  }

  @Override
  public void close() {
    if (STATE.getAndSet(this, CLOSED) != CLOSED) {
      slot.release();
    }
  }

  @Override
  public String toString() {
    return "Lease(" + endpoint.id() + ", " + (state == CLOSED ? "closed" : "open") + ")";
  }
}
