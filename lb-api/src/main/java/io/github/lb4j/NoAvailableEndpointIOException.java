package io.github.lb4j;

import java.io.IOException;

/**
 * A call to a load-balanced host failed because the balancer could not choose an endpoint: it has
 * none, none is healthy, all are over their load bound, or it is closed. Thrown by lb4j's HTTP
 * integrations (the OkHttp interceptor, the JDK {@code HttpClient} wrapper) instead of the
 * unchecked {@link NoAvailableEndpointException}.
 *
 * <p>The cause is the balancer's exception ({@link NoAvailableEndpointException}, or an {@link
 * IllegalStateException} for a closed balancer), whose message this one repeats. It is an {@link
 * IOException} because HTTP clients hand only {@code IOException}s to their asynchronous failure
 * paths: an unchecked exception thrown inside an OkHttp interceptor escapes the callback and kills
 * the dispatcher thread that ran it.
 */
public class NoAvailableEndpointIOException extends IOException {
  private static final long serialVersionUID = 1L;

  /** The name of the balancer that could not choose. */
  private final String balancerName;

  /**
   * Wraps the balancer's refusal.
   *
   * @param balancerName the name of the balancer that could not choose
   * @param cause the balancer's exception
   */
  public NoAvailableEndpointIOException(String balancerName, RuntimeException cause) {
    super(cause.getMessage(), cause);
    this.balancerName = balancerName;
  }

  /**
   * The name of the balancer that could not choose.
   *
   * @return the balancer's name
   */
  public String balancerName() {
    return balancerName;
  }
}
