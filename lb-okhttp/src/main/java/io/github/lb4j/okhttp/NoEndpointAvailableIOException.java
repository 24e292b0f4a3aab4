package io.github.lb4j.okhttp;

import io.github.lb4j.NoAvailableEndpointIOException;

/**
 * The former name of {@link NoAvailableEndpointIOException}, with its words in the other order. The
 * interceptor still throws this subclass so that existing {@code catch} blocks keep working; catch
 * {@link NoAvailableEndpointIOException} instead.
 *
 * @deprecated use {@link NoAvailableEndpointIOException}; this class will be removed
 */
@Deprecated
public final class NoEndpointAvailableIOException extends NoAvailableEndpointIOException {
  private static final long serialVersionUID = 1L;

  NoEndpointAvailableIOException(String balancerName, RuntimeException cause) {
    super(balancerName, cause);
  }
}
