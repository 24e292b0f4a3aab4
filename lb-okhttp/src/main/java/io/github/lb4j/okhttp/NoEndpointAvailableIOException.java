package io.github.lb4j.okhttp;

import java.io.IOException;

/**
 * An OkHttp call to a load-balanced host failed because the balancer could not choose an endpoint:
 * it has none, none is healthy, all are over their load bound, or it is closed.
 *
 * <p>The cause is the balancer's exception ({@link io.github.lb4j.NoAvailableEndpointException}, or
 * an {@link IllegalStateException} for a closed balancer). It is an {@link IOException} rather than
 * the unchecked original because OkHttp hands only {@code IOException}s to {@link
 * okhttp3.Callback#onFailure}: an unchecked exception thrown by an interceptor escapes an
 * asynchronous call's callback and kills the dispatcher thread that ran it.
 */
public final class NoEndpointAvailableIOException extends IOException {
  private static final long serialVersionUID = 1L;

  /** The name of the balancer that had no endpoint to offer. */
  private final String balancerName;

  NoEndpointAvailableIOException(String balancerName, RuntimeException cause) {
    super(cause.getMessage(), cause);
    this.balancerName = balancerName;
  }

  /** {@return the name of the balancer that could not choose} */
  public String balancerName() {
    return balancerName;
  }
}
