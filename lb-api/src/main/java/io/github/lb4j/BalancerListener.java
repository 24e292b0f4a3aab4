package io.github.lb4j;

/**
 * Hears about membership and health changes of a {@link Balancer}.
 *
 * <p>Threading: events are delivered in order, one at a time, on the thread that made the change,
 * after the change is visible to {@code choose()}. A listener must be quick and must not block. A
 * listener that throws is logged and otherwise ignored: it changes nothing in the balancer and does
 * not stop other listeners.
 */
public interface BalancerListener {

  /** {@code endpoint} joined {@code balancer}. */
  default void onEndpointAdded(Balancer balancer, Endpoint endpoint) {}

  /** {@code endpoint} left {@code balancer}; it will not be chosen again. */
  default void onEndpointRemoved(Balancer balancer, Endpoint endpoint) {}

  /**
   * {@code endpoint}'s health changed.
   *
   * @param reason a short human explanation, such as {@code "3 consecutive failed probes"}
   */
  default void onHealthChanged(
      Balancer balancer, Endpoint endpoint, HealthState from, HealthState to, String reason) {}

  /** {@code balancer} was closed; no event follows. */
  default void onClosed(Balancer balancer) {}
}
