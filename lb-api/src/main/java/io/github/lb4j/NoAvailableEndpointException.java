package io.github.lb4j;

/**
 * Thrown by {@link Balancer#choose()} and {@link Balancer#acquire()} when no endpoint can be
 * chosen. The message names the balancer and the reason: it has no endpoints, all of them are
 * unhealthy, or all of them are over their load bound.
 *
 * <p>This is unchecked so that {@code choose()} stays a one-liner; integrations that must not throw
 * unchecked exceptions (OkHttp interceptors) wrap it in an {@code IOException}.
 */
public class NoAvailableEndpointException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The name of the balancer that had no endpoint to offer. */
  private final String balancerName;

  /**
   * @param balancerName the name of the balancer that could not choose
   * @param reason why, such as {@code "all 3 endpoints unhealthy"}
   */
  public NoAvailableEndpointException(String balancerName, String reason) {
    super("balancer '" + balancerName + "': no endpoint available: " + reason);
    this.balancerName = balancerName;
  }

  /** {@return the name of the balancer that could not choose} */
  public String balancerName() {
    return balancerName;
  }
}
