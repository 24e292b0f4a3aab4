package io.github.lb4j.internal;

import io.github.lb4j.Endpoint;
import java.io.IOException;
import java.net.URI;
import java.util.Objects;

/**
 * What every HTTP health probe of lb4j shares, whatever its client: the path it accepts, the URL it
 * asks, the {@code User-Agent} it sends and the verdict on the status code. lb-impl's probe on the
 * JDK's client and lb-okhttp's probe on OkHttp both use it, so they judge an endpoint alike.
 *
 * <p>Not API: see the package documentation. Threading: stateless; safe from any thread.
 */
public final class HttpProbes {
  /** The {@code User-Agent} header of every probe, so that endpoints can tell probes from calls. */
  public static final String USER_AGENT = "lb4j-health-check";

  private HttpProbes() {}

  /**
   * Returns {@code path} if a probe can ask it: absolute, not protocol-relative, without spaces or
   * control characters; a query is allowed.
   *
   * @param path the path to check
   * @return {@code path}
   * @throws IllegalArgumentException naming the parameter {@code path} otherwise
   */
  public static String path(String path) {
    Objects.requireNonNull(path, "path");
    if (!path.startsWith("/") || path.startsWith("//") || path.chars().anyMatch(c -> c <= ' ')) {
      throw new IllegalArgumentException(
          "path: '" + path + "' (expected: an absolute path without spaces, e.g. /health)");
    }
    return path;
  }

  /**
   * The URL probed for {@code endpoint}: its address with the path (and query) replaced.
   *
   * @param endpoint the endpoint to probe
   * @param path the path, checked by {@link #path}
   * @return the URL to probe
   */
  public static URI target(Endpoint endpoint, String path) {
    return endpoint.address().resolve(path);
  }

  /**
   * Whether the status of the endpoint's own answer is healthy: any 2xx. A redirect is not healthy:
   * it says nothing about the endpoint's health, so probes do not follow it.
   *
   * @param status the HTTP status
   * @return whether it is healthy
   */
  public static boolean healthy(int status) {
    return status >= 200 && status < 300;
  }

  /**
   * The failure of a probe whose answer was {@code status}, naming the URL asked.
   *
   * @param status the HTTP status
   * @param target the URL probed
   * @return the exception to fail the probe with
   */
  public static IOException unhealthy(int status, URI target) {
    return new IOException("HTTP " + status + " from " + target);
  }
}
