package io.github.lb4j.core;

import io.github.lb4j.Endpoint;
import io.github.lb4j.Lease;
import io.github.lb4j.LoadReport;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * A call in flight on one slot: 32 bytes, the only allocation of a tracked call.
 *
 * <p>One state word: {@code OPEN} until a report, then {@code SUCCEEDED} or {@code FAILED}, then
 * {@code CLOSED}. A report is a compare-and-set on this object's own word (uncontended: a lease
 * belongs to one call), the close an atomic swap, so that only the first report counts and only the
 * first close releases the slot: a lease can never drive an in-flight count negative. Successes are
 * not counted anywhere: the ended-call count taken at close derives them. The clock is read only
 * when the balancer times calls.
 */
final class DefaultLease implements Lease {
  private static final int OPEN = 0;
  private static final int SUCCEEDED = 1;
  private static final int FAILED = 2;
  private static final int CLOSED = 3;
  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(DefaultLease.class, "state", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final EndpointSlot slot;
  // As acquired: a later address change of the same id does not redirect this call.
  private final Endpoint endpoint;
  private final long startNanos;
  private volatile int state;

  DefaultLease(EndpointSlot slot, long startNanos) {
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
    // A compare-and-set, not a plain store: a store racing with close() on another thread could
    // turn CLOSED back into SUCCEEDED and let a second close() release the slot again.
    if (STATE.compareAndSet(this, OPEN, SUCCEEDED)) {
      slot.recordSuccess(startNanos);
    }
  }

  @Override
  public void failure() {
    failure(null);
  }

  @Override
  public void failure(Throwable cause) {
    if (STATE.compareAndSet(this, OPEN, FAILED)) {
      slot.recordFailure(startNanos, cause);
    }
  }

  @Override
  public void reportLoad(LoadReport report) {
    slot.reportLoad(Objects.requireNonNull(report, "report"));
  }

  @Override
  public boolean reportLoadHeader(String headerValue) {
    return slot.reportLoadHeader(headerValue);
  }

  @Override
  public void close() {
    int previous = (int) STATE.getAndSet(this, CLOSED);
    if (previous != CLOSED) {
      slot.release(previous != OPEN);
    }
  }

  @Override
  public String toString() {
    return "Lease(" + endpoint.id() + ", " + (state == CLOSED ? "closed" : "open") + ")";
  }
}
