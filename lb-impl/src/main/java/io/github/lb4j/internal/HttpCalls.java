package io.github.lb4j.internal;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.IntPredicate;
import org.slf4j.Logger;

/**
 * What lb4j's HTTP client integrations (OkHttp, the JDK's {@code HttpClient}) share about a call:
 * the checks of their builders' HTTP settings, the default failure and retry rules, and which
 * errors mean the request never reached the server. One place, so both clients judge alike.
 *
 * <p>Not API: see the package documentation. Threading: stateless; safe from any thread.
 */
public final class HttpCalls {
  /** The default failure predicate, and the fallback when a user's predicate throws: 5xx. */
  public static final IntPredicate SERVER_ERRORS = code -> code >= 500;

  /** The statuses an idempotent request is retried after unless set. */
  public static final Set<Integer> DEFAULT_RETRY_STATUSES = Set.of(502, 503, 504);

  /** The methods retried after a retryable status unless set: sending them twice does no harm. */
  public static final Set<String> DEFAULT_RETRY_METHODS =
      Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE");

  private HttpCalls() {}

  /**
   * Checks the statuses given to {@code retryStatuses}.
   *
   * @param codes the statuses
   * @return them as an immutable set
   * @throws IllegalArgumentException naming {@code retryStatuses} if a code is outside [100, 599]
   */
  public static Set<Integer> retryStatuses(int... codes) {
    Objects.requireNonNull(codes, "codes");
    Set<Integer> set = new TreeSet<>();
    for (int code : codes) {
      if (code < 100 || code > 599) {
        throw new IllegalArgumentException(
            "retryStatuses: " + code + " (expected: an HTTP status in [100, 599])");
      }
      set.add(code);
    }
    return Set.copyOf(set);
  }

  /**
   * Checks the methods given to {@code retryMethods}.
   *
   * @param methods the methods
   * @return them as an immutable set
   * @throws IllegalArgumentException naming {@code retryMethods} if one is not an HTTP token
   */
  public static Set<String> retryMethods(String... methods) {
    Objects.requireNonNull(methods, "methods");
    Set<String> set = new TreeSet<>();
    for (String method : methods) {
      Objects.requireNonNull(method, "methods: contains null");
      if (!isToken(method)) {
        throw new IllegalArgumentException(
            "retryMethods: '" + method + "' (expected: an HTTP method, e.g. GET)");
      }
      set.add(method);
    }
    return Set.copyOf(set);
  }

  /**
   * Checks the name given to {@code affinityHeader}.
   *
   * @param name the header name
   * @return {@code name}
   * @throws IllegalArgumentException naming {@code affinityHeader} if it is not a header name
   */
  public static String headerName(String name) {
    Objects.requireNonNull(name, "name");
    if (!isToken(name)) {
      throw new IllegalArgumentException(
          "affinityHeader: '" + name + "' (expected: a header name, e.g. X-Affinity-Key)");
    }
    return name;
  }

  /**
   * Asks the user's failure predicate; one that throws is logged and {@link #SERVER_ERRORS} used.
   *
   * @param failureStatuses the user's predicate
   * @param code the response status
   * @param log where a throwing predicate is reported
   * @return whether the status counts as a failure of the endpoint
   */
  public static boolean isFailure(IntPredicate failureStatuses, int code, Logger log) {
    try {
      return failureStatuses.test(code);
    } catch (RuntimeException e) {
      log.warn(
          "failureStatuses predicate threw for status {}; using the default (>= 500 fails)",
          code,
          e);
      return SERVER_ERRORS.test(code);
    }
  }

  /**
   * Whether the attempt failed before the request could reach the server, so that retrying it
   * elsewhere is safe whatever the method. Looks at the causes too: clients wrap the socket's
   * exception.
   *
   * @param error what the attempt failed with
   * @return whether nothing can have reached the server
   */
  public static boolean isConnectFailure(Throwable error) {
    for (Throwable e = error; e != null; e = e.getCause() == e ? null : e.getCause()) {
      if (e instanceof ConnectException
          || e instanceof HttpConnectTimeoutException
          || e instanceof NoRouteToHostException
          || e instanceof UnknownHostException) {
        return true;
      }
      // OkHttp surfaces a connect timeout as the socket's own exception, told apart by its message.
      String message = e.getMessage();
      if (e instanceof SocketTimeoutException
          && message != null
          && message.toLowerCase(Locale.ROOT).contains("connect timed out")) {
        return true;
      }
      if (!(e instanceof IOException)) {
        return false;
      }
    }
    return false;
  }

  /**
   * Whether {@code s} is an HTTP token (RFC 9110), as methods and header names are.
   *
   * @param s the string
   * @return whether it is a non-empty token
   */
  public static boolean isToken(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }
}
