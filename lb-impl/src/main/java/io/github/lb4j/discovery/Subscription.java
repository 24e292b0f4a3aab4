package io.github.lb4j.discovery;

/**
 * A running subscription to an {@link EndpointSource}.
 *
 * <p>Threading: both methods are safe to call from any thread, including from inside the consumer
 * the subscription delivers to.
 */
public interface Subscription extends AutoCloseable {

  /**
   * Looks again now instead of waiting for the next scheduled refresh, delivers the result if it
   * changed, and restarts the refresh timer. Blocks until that look is over (for DNS, at most the
   * configured timeouts). Does nothing once closed, and nothing for sources that cannot change.
   */
  void refresh();

  /**
   * Stops refreshing. No delivery starts after this method returns; a delivery in progress on
   * another thread is waited for. Idempotent.
   */
  @Override
  void close();
}
