package io.github.lb4j;

/**
 * Hears about membership and health changes of a {@link Balancer}.
 *
 * <p>Threading: events are delivered in the order of the changes, one at a time, after the change
 * is visible to {@code choose()} and outside the balancer's lock, by one serial executor per
 * balancer (by default the thread that made the change, or the thread already delivering; see the
 * builder's {@code eventExecutor}). A listener may therefore call back into the balancer, for
 * example remove an endpoint it just heard about: the change is applied at once and its event
 * delivered after the current one. A slow listener delays neither {@code choose()} nor another
 * thread's change, only the delivery of later events. A listener that throws is logged and
 * otherwise ignored: it changes nothing in the balancer and does not stop other listeners.
 */
public interface BalancerListener {

  /**
   * {@code endpoint} joined {@code balancer}.
   *
   * @param balancer the balancer that changed
   * @param endpoint the endpoint
   */
  default void onEndpointAdded(Balancer balancer, Endpoint endpoint) {}

  /**
   * {@code endpoint} left {@code balancer}; it will not be chosen again.
   *
   * @param balancer the balancer that changed
   * @param endpoint the endpoint
   */
  default void onEndpointRemoved(Balancer balancer, Endpoint endpoint) {}

  /**
   * {@code endpoint}'s health changed.
   *
   * @param reason a short human explanation, such as {@code "3 consecutive failed probes"}
   * @param balancer the balancer that changed
   * @param endpoint the endpoint
   * @param from the state before
   * @param to the state now
   */
  default void onHealthChanged(
      Balancer balancer, Endpoint endpoint, HealthState from, HealthState to, String reason) {}

  /**
   * {@code balancer} was closed; no event follows.
   *
   * @param balancer the balancer that closed
   */
  default void onClosed(Balancer balancer) {}
}
