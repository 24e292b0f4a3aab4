package io.github.lb4j.jdkhttp;

import io.github.lb4j.Lease;
import io.github.lb4j.retry.Attempts;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The lease of one attempt, ended exactly once by whichever comes first: the body completing,
 * failing or being cancelled, the exchange failing, or the caller cancelling the call.
 *
 * <p>Thread safe: the client's threads deliver the body while a caller's thread may cancel; an
 * atomic flag lets the first one end the lease and makes the others no-ops.
 */
final class AttemptLease {
  private final Lease lease;
  private final AtomicBoolean ended = new AtomicBoolean();

  AttemptLease(Lease lease) {
    this.lease = lease;
  }

  Lease lease() {
    return lease;
  }

  /** Reports an answer (a failure if {@code failedStatus}) and closes the lease. */
  void answered(boolean failedStatus) {
    if (ended.compareAndSet(false, true)) {
      try {
        Attempts.report(lease, failedStatus);
      } finally {
        lease.close();
      }
    }
  }

  /** Reports a failure of the endpoint and closes the lease. */
  void failed(Throwable cause) {
    if (ended.compareAndSet(false, true)) {
      try {
        lease.failure(cause);
      } finally {
        lease.close();
      }
    }
  }

  /** Closes the lease reporting nothing: a cancelled call says nothing about the endpoint. */
  void abandoned() {
    if (ended.compareAndSet(false, true)) {
      lease.close();
    }
  }
}
