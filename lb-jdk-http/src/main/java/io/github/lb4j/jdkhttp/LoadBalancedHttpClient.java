package io.github.lb4j.jdkhttp;

import io.github.lb4j.Balancer;
import io.github.lb4j.Endpoint;
import io.github.lb4j.Lease;
import io.github.lb4j.NoAvailableEndpointException;
import io.github.lb4j.NoAvailableEndpointIOException;
import io.github.lb4j.internal.HttpCalls;
import io.github.lb4j.retry.Attempts;
import io.github.lb4j.retry.RetryBudget;
import io.github.lb4j.retry.RetryPolicy;
import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.PushPromiseHandler;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.function.IntPredicate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link HttpClient} that sends requests for a logical host to the endpoints a {@link Balancer}
 * chooses, and every other request straight to the client it wraps. Being an {@code HttpClient}, it
 * goes wherever one is expected.
 *
 * <pre>{@code
 * HttpClient client = LoadBalancedHttpClient.builder(balancer).logicalHost("workers").build();
 * HttpResponse<String> r =
 *     client.send(HttpRequest.newBuilder(URI.create("http://workers/tile?x=3")).build(),
 *         HttpResponse.BodyHandlers.ofString());
 * }</pre>
 *
 * <p>For a request whose host is the logical host, each attempt {@linkplain Balancer#acquire
 * acquires} an endpoint and replaces the scheme, host and port with the endpoint's address,
 * prefixing the endpoint's base path if it has one ({@code http://10.0.0.7:8080/api} turns {@code
 * http://workers/tile?x=3} into {@code http://10.0.0.7:8080/api/tile?x=3}); headers, method, body,
 * timeout and version are kept.
 *
 * <p><b>In flight until the body is consumed.</b> The lease of the attempt that produced the
 * response is held until its body subscriber completes, fails or is cancelled, so least-connection
 * and bounded-load hashing count calls whose bodies still stream ({@code ofInputStream}, {@code
 * ofLines}, {@code ofPublisher}: read to the end or close the stream; a stream closed before the
 * JDK client has subscribed to the body is released when it subscribes, on the client's thread,
 * just after). Then the outcome is reported: a failed body, or a status the {@linkplain
 * Builder#failureStatuses failure predicate} accepts (5xx by default), is a failure; other answers
 * are successes. Connect errors, timeouts and other I/O errors are failures. A cancelled call (the
 * future of {@link #sendAsync} cancelled, or the thread in {@link #send} interrupted) reports
 * nothing and releases the lease at once.
 *
 * <p><b>Retries on another endpoint.</b> An attempt is retried on an endpoint the call has not
 * tried yet when it failed to connect (any method: nothing reached the server), or when an
 * idempotent method (GET, HEAD, OPTIONS, PUT, DELETE by default) was answered with a retryable
 * status (502, 503, 504 by default), within the {@link RetryPolicy}: three attempts and {@link
 * RetryBudget#defaults()} unless set. A retried answer's body is discarded. A request body is
 * replayable, and so retried, when it comes from {@code BodyPublishers.noBody}, {@code ofString},
 * {@code ofByteArray} or {@code ofFile}; other publishers ({@code ofInputStream}, {@code
 * fromPublisher}, {@code ofByteArrays}, a custom one) are never sent twice.
 *
 * <p><b>Affinity.</b> The key passed to the balancer is the one attached with {@link
 * #withAffinityKey}, else the value of the {@linkplain Builder#affinityHeader affinity header} if
 * one is configured.
 *
 * <p><b>Errors.</b> When the balancer cannot choose (no endpoint, none healthy, or closed), {@code
 * send} throws and {@code sendAsync}'s future fails with a {@link NoAvailableEndpointIOException}.
 *
 * <p>The configuration getters ({@link #executor()}, {@link #version()}, ...) are the wrapped
 * client's, which does the actual sending; WebSockets are its too, unbalanced. Threading: immutable
 * apart from the shared retry budget, which is thread safe; any number of threads may send through
 * one instance.
 */
public final class LoadBalancedHttpClient extends HttpClient {
  private static final Logger log = LoggerFactory.getLogger(LoadBalancedHttpClient.class);

  final HttpClient delegate;
  private final Balancer balancer;
  private final String logicalHost;
  private final String affinityHeader;
  private final IntPredicate failureStatuses;
  final Set<Integer> retryStatuses;
  final Set<String> retryMethods;
  private final RetryPolicy retryPolicy;

  private LoadBalancedHttpClient(Builder b) {
    this.delegate = b.delegate != null ? b.delegate : HttpClient.newHttpClient();
    this.balancer = b.balancer;
    this.logicalHost = b.logicalHost;
    this.affinityHeader = b.affinityHeader;
    this.failureStatuses = b.failureStatuses;
    this.retryStatuses = b.retryStatuses;
    this.retryMethods = b.retryMethods;
    this.retryPolicy =
        b.retryPolicy.withBudget(b.retryBudget != null ? b.retryBudget : RetryBudget.defaults());
  }

  /**
   * Starts configuring a client for {@code balancer}.
   *
   * @param balancer chooses the endpoint of each attempt; not closed by the client
   * @return a builder
   */
  public static Builder builder(Balancer balancer) {
    return new Builder(Objects.requireNonNull(balancer, "balancer"));
  }

  /**
   * {@code request} with an affinity key: a consistent-hash balancer sends requests with the same
   * key to the same endpoint. The key takes precedence over the affinity header; other clients send
   * the request as it is.
   *
   * @param request the request
   * @param key the key, such as a user id or a cache key; not empty
   * @return a request with the key attached
   * @throws IllegalArgumentException if {@code key} is empty
   */
  public static HttpRequest withAffinityKey(HttpRequest request, String key) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(key, "key");
    if (key.isEmpty()) {
      throw new IllegalArgumentException("key: '' (expected: not empty)");
    }
    HttpRequest plain = request instanceof KeyedRequest k ? k.request : request;
    return new KeyedRequest(plain, key);
  }

  /**
   * The balancer this client chooses with.
   *
   * @return the balancer
   */
  public Balancer balancer() {
    return balancer;
  }

  /**
   * The host name whose requests are balanced, in lower case.
   *
   * @return the logical host
   */
  public String logicalHost() {
    return logicalHost;
  }

  /**
   * The attempt limit and retry budget of every call.
   *
   * @return the policy
   */
  public RetryPolicy retryPolicy() {
    return retryPolicy;
  }

  /**
   * Sends a request and waits for the answer; a request for the logical host is balanced and
   * retried as the class documentation says.
   *
   * @param request the request; its host decides whether it is balanced
   * @param responseBodyHandler the caller's body handler
   * @param <T> the body type
   * @return the answer of the last attempt
   * @throws NoAvailableEndpointIOException when the balancer cannot choose an endpoint
   * @throws IOException when the last attempt failed
   * @throws InterruptedException when interrupted while waiting; the call is then cancelled
   */
  @Override
  public <T> HttpResponse<T> send(HttpRequest request, BodyHandler<T> responseBodyHandler)
      throws IOException, InterruptedException {
    if (!isBalanced(request)) {
      return delegate.send(request, responseBodyHandler);
    }
    CompletableFuture<HttpResponse<T>> f = sendAsync(request, responseBodyHandler);
    try {
      return f.get();
    } catch (InterruptedException e) {
      f.cancel(true);
      throw e;
    } catch (ExecutionException e) {
      Throwable cause = BalancedCall.unwrap(e);
      if (cause instanceof IOException io) {
        throw io;
      }
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IOException(cause);
    }
  }

  /**
   * Sends a request asynchronously; a request for the logical host is balanced and retried as the
   * class documentation says. Cancelling the returned future cancels the call and releases its
   * endpoint.
   *
   * @param request the request; its host decides whether it is balanced
   * @param responseBodyHandler the caller's body handler
   * @param <T> the body type
   * @return the answer, or a future failed with a {@link NoAvailableEndpointIOException} when the
   *     balancer cannot choose, or with the last attempt's {@link IOException}
   */
  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(
      HttpRequest request, BodyHandler<T> responseBodyHandler) {
    return sendAsync(request, responseBodyHandler, null);
  }

  /**
   * Like {@link #sendAsync(HttpRequest, BodyHandler)}; pushed responses go to {@code
   * pushPromiseHandler} unbalanced.
   *
   * @param request the request; its host decides whether it is balanced
   * @param responseBodyHandler the caller's body handler
   * @param pushPromiseHandler handles pushed responses, or {@code null} to refuse them
   * @param <T> the body type
   * @return the answer, or a failed future as for {@link #sendAsync(HttpRequest, BodyHandler)}
   */
  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(
      HttpRequest request,
      BodyHandler<T> responseBodyHandler,
      PushPromiseHandler<T> pushPromiseHandler) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(responseBodyHandler, "responseBodyHandler");
    if (!isBalanced(request)) {
      HttpRequest plain = request instanceof KeyedRequest k ? k.request : request;
      return pushPromiseHandler == null
          ? delegate.sendAsync(plain, responseBodyHandler)
          : delegate.sendAsync(plain, responseBodyHandler, pushPromiseHandler);
    }
    Attempts attempts = retryPolicy.start(balancer, affinityKey(request));
    Lease first;
    try {
      first = attempts.first();
    } catch (NoAvailableEndpointException | IllegalStateException e) {
      return CompletableFuture.failedFuture(new NoAvailableEndpointIOException(balancer.name(), e));
    }
    HttpRequest plain = request instanceof KeyedRequest k ? k.request : request;
    return new BalancedCall<>(this, plain, responseBodyHandler, pushPromiseHandler, attempts)
        .start(first);
  }

  private boolean isBalanced(HttpRequest request) {
    String host = request.uri().getHost();
    return host != null && host.equalsIgnoreCase(logicalHost);
  }

  private String affinityKey(HttpRequest request) {
    if (request instanceof KeyedRequest k) {
      return k.key;
    }
    return affinityHeader != null
        ? request.headers().firstValue(affinityHeader).orElse(null)
        : null;
  }

  boolean isFailure(int code) {
    return HttpCalls.isFailure(failureStatuses, code, log);
  }

  /**
   * The request sent to {@code endpoint}: its scheme, authority and base path, our path and query.
   */
  HttpRequest rewrite(HttpRequest request, Endpoint endpoint) {
    URI base = endpoint.address();
    URI uri = request.uri();
    String basePath = base.getRawPath() == null ? "" : base.getRawPath();
    if (basePath.endsWith("/")) {
      basePath = basePath.substring(0, basePath.length() - 1);
    }
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
    URI target;
    try {
      target = new URI(base.getScheme() + "://" + base.getRawAuthority() + basePath + path + query);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "endpoint " + endpoint.id() + ": address " + base + " (expected: an http or https URL)",
          e);
    }
    return HttpRequest.newBuilder(request, (name, value) -> true).uri(target).build();
  }

  /**
   * Whether the body may be sent twice: none, or one of the JDK's in-memory or file publishers
   * (known length). The JDK's other publishers and custom ones may be one-shot.
   */
  static boolean isReplayable(HttpRequest request) {
    Optional<HttpRequest.BodyPublisher> body = request.bodyPublisher();
    if (body.isEmpty()) {
      return true;
    }
    HttpRequest.BodyPublisher publisher = body.get();
    String type = publisher.getClass().getName();
    return publisher.contentLength() >= 0
        && type.startsWith("jdk.internal.net.http.RequestPublishers$")
        && (type.endsWith("$ByteArrayPublisher")
            || type.endsWith("$StringPublisher")
            || type.endsWith("$FilePublisher")
            || type.endsWith("$EmptyPublisher"));
  }

  @Override
  public Optional<CookieHandler> cookieHandler() {
    return delegate.cookieHandler();
  }

  @Override
  public Optional<Duration> connectTimeout() {
    return delegate.connectTimeout();
  }

  @Override
  public Redirect followRedirects() {
    return delegate.followRedirects();
  }

  @Override
  public Optional<ProxySelector> proxy() {
    return delegate.proxy();
  }

  @Override
  public SSLContext sslContext() {
    return delegate.sslContext();
  }

  @Override
  public SSLParameters sslParameters() {
    return delegate.sslParameters();
  }

  @Override
  public Optional<Authenticator> authenticator() {
    return delegate.authenticator();
  }

  @Override
  public Version version() {
    return delegate.version();
  }

  @Override
  public Optional<Executor> executor() {
    return delegate.executor();
  }

  @Override
  public WebSocket.Builder newWebSocketBuilder() {
    return delegate.newWebSocketBuilder();
  }

  @Override
  public String toString() {
    return "LoadBalancedHttpClient(" + logicalHost + " -> " + balancer.name() + ")";
  }

  /**
   * Configures a {@link LoadBalancedHttpClient}. Every setter validates its argument at once. Not
   * thread safe; {@link #build()} may be called more than once, each client getting its own default
   * retry budget.
   */
  public static final class Builder {
    private final Balancer balancer;
    private HttpClient delegate;
    private String logicalHost;
    private String affinityHeader;
    private IntPredicate failureStatuses = HttpCalls.SERVER_ERRORS;
    private Set<Integer> retryStatuses = HttpCalls.DEFAULT_RETRY_STATUSES;
    private Set<String> retryMethods = HttpCalls.DEFAULT_RETRY_METHODS;
    private RetryPolicy retryPolicy = RetryPolicy.maxAttempts(3);
    private RetryBudget retryBudget;

    private Builder(Balancer balancer) {
      this.balancer = balancer;
    }

    /**
     * The client that sends every attempt, with its executor, timeouts, TLS, proxy and redirect
     * settings; {@code HttpClient.newHttpClient()} unless set.
     *
     * @param client the client to wrap; not closed by the wrapper
     * @return this builder
     */
    public Builder client(HttpClient client) {
      Objects.requireNonNull(client, "client");
      if (client instanceof LoadBalancedHttpClient) {
        throw new IllegalArgumentException(
            "client: " + client + " (expected: a plain HttpClient, not a load-balanced one)");
      }
      this.delegate = client;
      return this;
    }

    /**
     * The host name that stands for the balancer's endpoints, such as {@code "workers"} for {@code
     * http://workers/...}; required. Matched case-insensitively, whatever the scheme and port.
     *
     * @param host the host name, without scheme or port
     * @return this builder
     * @throws IllegalArgumentException if {@code host} is not a valid host name
     */
    public Builder logicalHost(String host) {
      Objects.requireNonNull(host, "host");
      URI parsed = null;
      try {
        parsed = host.isBlank() ? null : new URI("http://" + host + "/");
      } catch (URISyntaxException e) {
        // reported below
      }
      if (parsed == null
          || parsed.getHost() == null
          || !parsed.getHost().equalsIgnoreCase(host)
          || parsed.getPort() != -1) {
        throw new IllegalArgumentException(
            "logicalHost: '"
                + host
                + "' (expected: a host name without scheme or port, e.g."
                + " workers)");
      }
      this.logicalHost = host.toLowerCase(Locale.ROOT);
      return this;
    }

    /**
     * A request header whose value is the affinity key when the request has none attached with
     * {@link #withAffinityKey}; none unless set. The header is sent on unchanged.
     *
     * @param name the header name, such as {@code X-Affinity-Key}
     * @return this builder
     * @throws IllegalArgumentException if {@code name} is not a valid header name
     */
    public Builder affinityHeader(String name) {
      this.affinityHeader = HttpCalls.headerName(name);
      return this;
    }

    /**
     * Which response statuses count as failures of the endpoint; {@code code >= 500} unless set.
     * Connect errors, timeouts and failed bodies are always failures.
     *
     * @param isFailure the predicate; one that throws is logged and the default used
     * @return this builder
     */
    public Builder failureStatuses(IntPredicate isFailure) {
      this.failureStatuses = Objects.requireNonNull(isFailure, "isFailure");
      return this;
    }

    /**
     * The statuses that make an idempotent request try another endpoint; 502, 503 and 504 unless
     * set. No codes turns status retries off (connect failures are still retried).
     *
     * @param codes the statuses
     * @return this builder
     * @throws IllegalArgumentException if a code is outside {@code [100, 599]}
     */
    public Builder retryStatuses(int... codes) {
      this.retryStatuses = HttpCalls.retryStatuses(codes);
      return this;
    }

    /**
     * The methods whose requests may be retried after a retryable status, because sending them
     * twice does no harm; GET, HEAD, OPTIONS, PUT and DELETE unless set. Matched case-sensitively.
     *
     * @param methods the methods
     * @return this builder
     * @throws IllegalArgumentException if a method is not a valid HTTP method token
     */
    public Builder retryMethods(String... methods) {
      this.retryMethods = HttpCalls.retryMethods(methods);
      return this;
    }

    /**
     * The most attempts per call, the first included; 3 unless set. {@code 1} turns retries off.
     *
     * @param attempts the attempt limit
     * @return this builder
     * @throws IllegalArgumentException if {@code attempts < 1}
     */
    public Builder maxAttempts(int attempts) {
      this.retryPolicy = retryPolicy.withMaxAttempts(attempts);
      return this;
    }

    /**
     * The retry budget shared by all calls through the client; a retry it cannot pay for is not
     * made. Unless set, each built client gets its own {@link RetryBudget#defaults()}.
     *
     * @param budget the budget, which may be shared with other clients
     * @return this builder
     */
    public Builder retryBudget(RetryBudget budget) {
      this.retryBudget = Objects.requireNonNull(budget, "budget");
      return this;
    }

    /**
     * The attempt limit and retry budget together; the same as {@link #maxAttempts} and {@link
     * #retryBudget}.
     *
     * @param policy the policy
     * @return this builder
     */
    public Builder retryPolicy(RetryPolicy policy) {
      Objects.requireNonNull(policy, "policy");
      this.retryPolicy = policy;
      this.retryBudget = policy.budget();
      return this;
    }

    /**
     * Builds the client.
     *
     * @return the client
     * @throws IllegalStateException if no {@link #logicalHost} was set
     */
    public LoadBalancedHttpClient build() {
      if (logicalHost == null) {
        throw new IllegalStateException(
            "logicalHost is not set (expected: logicalHost(\"workers\") for http://workers/...)");
      }
      return new LoadBalancedHttpClient(this);
    }
  }
}
