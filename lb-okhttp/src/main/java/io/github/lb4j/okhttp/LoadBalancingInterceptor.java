package io.github.lb4j.okhttp;

import io.github.lb4j.Balancer;
import io.github.lb4j.Endpoint;
import io.github.lb4j.Lease;
import io.github.lb4j.NoAvailableEndpointException;
import io.github.lb4j.Ticker;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.IntPredicate;
import okhttp3.Call;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An OkHttp application interceptor that sends requests for a logical host to the endpoints a
 * {@link Balancer} chooses.
 *
 * <pre>{@code
 * OkHttpClient client = new OkHttpClient.Builder()
 *     .addInterceptor(LoadBalancingInterceptor.builder(balancer).logicalHost("workers").build())
 *     .build();
 * client.newCall(new Request.Builder().url("http://workers/tile?x=3&y=4").build()).execute();
 * }</pre>
 *
 * <p>For a request whose host is the logical host, each attempt {@linkplain Balancer#acquire
 * acquires} an endpoint and replaces the scheme, host and port with the endpoint's address,
 * prefixing the endpoint's base path if its address has one ({@code http://10.0.0.7:8080/api} turns
 * {@code http://workers/tile?x=3} into {@code http://10.0.0.7:8080/api/tile?x=3}); path and query are
 * kept. Requests for other hosts pass through untouched.
 *
 * <p><b>In flight until the body is closed.</b> The lease of the attempt that produced the returned
 * response is held until its body is read to the end, fails, or is closed, so least-connection and
 * bounded-load hashing count calls whose bodies are still streaming. The outcome and its latency are
 * reported then: a failed read, or a status the {@linkplain Builder#failureStatuses failure
 * predicate} accepts (5xx by default), is a failure; other responses are successes. Connect errors,
 * connect, read and write timeouts and other I/O errors are failures. A cancelled call reports
 * nothing, since it says nothing about the endpoint; OkHttp enforces {@code callTimeout} by
 * cancelling the call, so an expired call timeout reports nothing either (prefer the per-phase
 * timeouts where endpoint health matters). As with any OkHttp response, the body must be closed.
 *
 * <p><b>Retries on another endpoint.</b> An attempt is retried on an endpoint this call has not
 * tried yet when it failed to connect (any method, since nothing reached the server), or when an
 * idempotent method (GET, HEAD, OPTIONS, PUT, DELETE by default) was answered with a retryable
 * status (502, 503, 504 by default), up to {@linkplain Builder#maxAttempts three attempts} and
 * within a {@linkplain Builder#retryBudget retry budget}. The previous response is closed first.
 * Requests whose body is one-shot or duplex are never retried. If no untried endpoint can be chosen,
 * the last response or error is returned. A retry of a keyed request tries the key first and then
 * any endpoint, so affinity survives as long as the key's endpoint answers.
 *
 * <p><b>Affinity.</b> The affinity key, passed to {@link Balancer#acquire(String)}, is the request's
 * {@link AffinityKey} tag or else the value of the {@linkplain Builder#affinityHeader affinity
 * header}, if one is configured; without either, {@link Balancer#acquire()} is used.
 *
 * <p><b>Errors.</b> When the balancer cannot choose (no endpoint, none healthy, or closed), the call
 * fails with a {@link NoEndpointAvailableIOException}, never an unchecked exception, so {@code
 * enqueue()} callers get it in {@code onFailure}.
 *
 * <p>Add it with {@code addInterceptor}, not {@code addNetworkInterceptor}: a network interceptor
 * cannot change the host. Threading: immutable apart from the shared retry budget, which is thread
 * safe; one instance may serve any number of clients and concurrent calls.
 */
public final class LoadBalancingInterceptor implements Interceptor {
  private static final Logger log = LoggerFactory.getLogger(LoadBalancingInterceptor.class);

  /** The failure predicate unless one is set, and the fallback when the one set throws. */
  private static final IntPredicate SERVER_ERRORS = code -> code >= 500;

  private final Balancer balancer;
  private final String logicalHost;
  private final String affinityHeader;
  private final IntPredicate failureStatuses;
  private final Set<Integer> retryStatuses;
  private final Set<String> retryMethods;
  private final int maxAttempts;
  private final RetryBudget retryBudget;

  private LoadBalancingInterceptor(Builder b) {
    this.balancer = b.balancer;
    this.logicalHost = b.logicalHost;
    this.affinityHeader = b.affinityHeader;
    this.failureStatuses = b.failureStatuses;
    this.retryStatuses = Set.copyOf(b.retryStatuses);
    this.retryMethods = Set.copyOf(b.retryMethods);
    this.maxAttempts = b.maxAttempts;
    this.retryBudget = new RetryBudget(b.retryRatio, b.minRetriesPerSecond, b.ticker);
  }

  /**
   * Starts configuring an interceptor for {@code balancer}.
   *
   * @param balancer the balancer that chooses each attempt's endpoint
   * @return a new builder
   * @throws NullPointerException if {@code balancer} is {@code null}
   */
  public static Builder builder(Balancer balancer) {
    return new Builder(Objects.requireNonNull(balancer, "balancer"));
  }

  /** {@return the balancer this interceptor chooses with} */
  public Balancer balancer() {
    return balancer;
  }

  /** {@return the host name whose requests are balanced, in lower case} */
  public String logicalHost() {
    return logicalHost;
  }

  /**
   * Sends a request for the logical host to the chosen endpoint, retrying on others as configured;
   * passes any other request on unchanged. Called by OkHttp, on the calling thread for {@code
   * execute()} and on a dispatcher thread for {@code enqueue()}.
   *
   * @throws NoEndpointAvailableIOException when the balancer cannot choose an endpoint
   * @throws IOException when the last attempt failed, or when this interceptor was added as a
   *     network interceptor
   */
  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    if (!request.url().host().equals(logicalHost)) {
      return chain.proceed(request);
    }
    if (chain.connection() != null) {
      throw new IOException(
          "LoadBalancingInterceptor for '" + logicalHost + "' must be added with"
              + " OkHttpClient.Builder.addInterceptor, not addNetworkInterceptor: a network"
              + " interceptor cannot change the host");
    }
    retryBudget.deposit();
    Call call = chain.call();
    String key = affinityKey(request);
    RequestBody body = request.body();
    boolean replayable = body == null || !(body.isOneShot() || body.isDuplex());
    boolean idempotent = retryMethods.contains(request.method());

    List<String> tried = new ArrayList<>(maxAttempts);
    Lease lease = acquire(key);
    for (int attempt = 1; ; attempt++) {
      tried.add(lease.endpoint().id());
      Response response;
      try {
        response = chain.proceed(rewrite(request, lease.endpoint()));
      } catch (IOException e) {
        if (call.isCanceled()) {
          lease.close();
          throw e;
        }
        lease.failure(e);
        lease.close();
        boolean retry = replayable && attempt < maxAttempts && isConnectFailure(e);
        Lease next = retry ? nextLease(key, tried, request, e.toString()) : null;
        if (next == null) {
          throw e;
        }
        lease = next;
        continue;
      } catch (RuntimeException | Error e) {
        lease.failure(e);
        lease.close();
        throw e;
      }

      int code = response.code();
      boolean failed = isFailure(code);
      boolean retry =
          idempotent && replayable && attempt < maxAttempts && retryStatuses.contains(code);
      Lease next = retry ? nextLease(key, tried, request, "status " + code) : null;
      if (next == null) {
        return withLease(response, lease, call, failed);
      }
      response.close();
      try {
        report(lease, failed);
      } finally {
        lease.close();
      }
      lease = next;
    }
  }

  /**
   * The lease for a retry on an endpoint this call has not tried, or {@code null} when there is
   * none or the retry budget is spent.
   */
  private Lease nextLease(String key, List<String> tried, Request request, String why) {
    Lease next;
    try {
      // With a key, hashing pickers send the retry where the key would go without the tried ones.
      next = balancer.acquire(key, Set.copyOf(tried));
    } catch (NoAvailableEndpointException | IllegalStateException e) {
      log.debug("{} {}: no untried endpoint to retry after {} on {}",
          request.method(), request.url(), why, tried);
      return null;
    }
    if (!retryBudget.tryWithdraw()) {
      next.close();
      log.debug("{} {}: retry budget spent, not retrying after {} on {}",
          request.method(), request.url(), why, tried);
      return null;
    }
    log.debug("{} {}: retrying on {} after {} on {}",
        request.method(), request.url(), next.endpoint().id(), why, tried);
    return next;
  }

  private Lease acquire(String key) throws NoEndpointAvailableIOException {
    try {
      return key != null ? balancer.acquire(key) : balancer.acquire();
    } catch (NoAvailableEndpointException | IllegalStateException e) {
      throw new NoEndpointAvailableIOException(balancer.name(), e);
    }
  }

  /** Asks the user's predicate; one that throws is logged and the default ({@code >= 500}) used. */
  private boolean isFailure(int code) {
    try {
      return failureStatuses.test(code);
    } catch (RuntimeException e) {
      log.warn("failureStatuses predicate threw for status {}; using the default (>= 500 fails)",
          code, e);
      return SERVER_ERRORS.test(code);
    }
  }

  private String affinityKey(Request request) {
    AffinityKey tag = request.tag(AffinityKey.class);
    if (tag != null) {
      return tag.value();
    }
    return affinityHeader != null ? request.header(affinityHeader) : null;
  }

  private static Response withLease(Response response, Lease lease, Call call, boolean failed) {
    ResponseBody body = response.body();
    if (body == null) {
      // Only cache and network-layer responses lack a body; nothing more to wait for.
      try {
        report(lease, failed);
      } finally {
        lease.close();
      }
      return response;
    }
    return response.newBuilder().body(new LeasedResponseBody(body, lease, call, failed)).build();
  }

  /** Reports a response's outcome: a failure if its status counts as one, else a success. */
  static void report(Lease lease, boolean failedStatus) {
    if (failedStatus) {
      lease.failure();
    } else {
      lease.success();
    }
  }

  /** The request sent to {@code endpoint}: its scheme, host, port and base path, our path and query. */
  static Request rewrite(Request request, Endpoint endpoint) throws IOException {
    String address = endpoint.address().toString();
    HttpUrl base = HttpUrl.parse(address);
    if (base == null) {
      throw new IOException(
          "endpoint " + endpoint.id() + ": address " + address + " (expected: an http or https URL)");
    }
    HttpUrl url = request.url();
    String basePath = base.encodedPath();
    String path =
        basePath.endsWith("/")
            ? basePath.substring(0, basePath.length() - 1) + url.encodedPath()
            : basePath + url.encodedPath();
    HttpUrl target =
        url.newBuilder()
            .scheme(base.scheme())
            .host(base.host())
            .port(base.port())
            .encodedPath(path)
            .build();
    return request.newBuilder().url(target).build();
  }

  /** Whether the attempt failed before the request could reach the server. */
  private static boolean isConnectFailure(IOException e) {
    if (e instanceof ConnectException
        || e instanceof NoRouteToHostException
        || e instanceof UnknownHostException) {
      return true;
    }
    // OkHttp surfaces a connect timeout as the socket's own exception, told apart by its message.
    String message = e.getMessage();
    return e instanceof SocketTimeoutException
        && message != null
        && message.toLowerCase(Locale.ROOT).contains("connect timed out");
  }

  @Override
  public String toString() {
    return "LoadBalancingInterceptor(" + logicalHost + " -> " + balancer.name() + ")";
  }

  /**
   * Configures a {@link LoadBalancingInterceptor}. Every setter validates its argument at once.
   * Not thread safe; {@link #build()} may be called more than once, each interceptor getting its
   * own retry budget.
   */
  public static final class Builder {
    private final Balancer balancer;
    private String logicalHost;
    private String affinityHeader;
    private IntPredicate failureStatuses = SERVER_ERRORS;
    private Set<Integer> retryStatuses = Set.of(502, 503, 504);
    private Set<String> retryMethods = Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE");
    private int maxAttempts = 3;
    private double retryRatio = RetryBudget.DEFAULT_RATIO;
    private int minRetriesPerSecond = RetryBudget.DEFAULT_MIN_RETRIES_PER_SECOND;
    private Ticker ticker = Ticker.system();

    private Builder(Balancer balancer) {
      this.balancer = balancer;
    }

    /**
     * The host name that stands for the balancer's endpoints, such as {@code "workers"} for {@code
     * http://workers/...}; required. Matched case-insensitively, whatever the scheme and port.
     *
     * @param host the logical host name
     * @return this builder
     * @throws IllegalArgumentException if {@code host} is not a valid host name
     */
    public Builder logicalHost(String host) {
      Objects.requireNonNull(host, "host");
      HttpUrl parsed = host.isBlank() ? null : HttpUrl.parse("http://" + host + "/");
      if (parsed == null || !parsed.host().equalsIgnoreCase(host) || parsed.port() != 80) {
        throw new IllegalArgumentException(
            "logicalHost: '" + host + "' (expected: a host name without scheme or port, e.g."
                + " workers)");
      }
      this.logicalHost = parsed.host();
      return this;
    }

    /**
     * A request header whose value is the affinity key when the request has no {@link
     * AffinityKey} tag; none unless set. The header is sent on unchanged.
     *
     * @param name the header's name
     * @return this builder
     * @throws IllegalArgumentException if {@code name} is not a valid header name
     */
    public Builder affinityHeader(String name) {
      Objects.requireNonNull(name, "name");
      if (!isToken(name)) {
        throw new IllegalArgumentException(
            "affinityHeader: '" + name + "' (expected: a header name, e.g. X-Affinity-Key)");
      }
      this.affinityHeader = name;
      return this;
    }

    /**
     * Which response statuses count as failures of the endpoint; {@code code >= 500} unless set.
     * Connect errors, timeouts and failed reads are always failures.
     *
     * @param isFailure accepts the status codes that are failures
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
     * @param codes the retryable status codes
     * @return this builder
     * @throws IllegalArgumentException if a code is outside {@code [100, 599]}
     */
    public Builder retryStatuses(int... codes) {
      Objects.requireNonNull(codes, "codes");
      Set<Integer> set = new TreeSet<>();
      for (int code : codes) {
        if (code < 100 || code > 599) {
          throw new IllegalArgumentException(
              "retryStatuses: " + code + " (expected: an HTTP status in [100, 599])");
        }
        set.add(code);
      }
      this.retryStatuses = set;
      return this;
    }

    /**
     * The methods whose requests may be retried after a retryable status, because sending them
     * twice does no harm; GET, HEAD, OPTIONS, PUT and DELETE unless set. Matched case-sensitively,
     * as HTTP methods are.
     *
     * @param methods the retryable methods
     * @return this builder
     * @throws IllegalArgumentException if a method is not a valid HTTP method token
     */
    public Builder retryMethods(String... methods) {
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
      this.retryMethods = set;
      return this;
    }

    /**
     * The most attempts per call, the first included; 3 unless set. {@code 1} turns retries off.
     *
     * @param attempts the most attempts per call, {@code >= 1}
     * @return this builder
     * @throws IllegalArgumentException if {@code attempts < 1}
     */
    public Builder maxAttempts(int attempts) {
      if (attempts < 1) {
        throw new IllegalArgumentException("maxAttempts: " + attempts + " (expected: >= 1)");
      }
      this.maxAttempts = attempts;
      return this;
    }

    /**
     * The retry budget shared by all calls through the interceptor: each call earns {@code ratio}
     * of a retry, time adds {@code minRetriesPerSecond} retries per second, and the budget saves up
     * at most ten seconds' worth of that reserve (at least one retry), starting full. A retry the
     * budget cannot pay for is not made. 0.2 and 10 unless set, as in Finagle: at most 20% extra
     * load from retries once the initial reserve is spent.
     *
     * @param ratio retries earned per call, in {@code [0, 1]}
     * @param minRetriesPerSecond retries time adds per second, {@code >= 0}
     * @return this builder
     * @throws IllegalArgumentException if {@code ratio} is negative or not finite, or {@code
     *     minRetriesPerSecond} is negative
     */
    public Builder retryBudget(double ratio, int minRetriesPerSecond) {
      if (!(ratio >= 0) || Double.isInfinite(ratio)) {
        throw new IllegalArgumentException(
            "retryBudget ratio: " + ratio + " (expected: >= 0 and finite)");
      }
      if (minRetriesPerSecond < 0) {
        throw new IllegalArgumentException(
            "retryBudget minRetriesPerSecond: " + minRetriesPerSecond + " (expected: >= 0)");
      }
      this.retryRatio = ratio;
      this.minRetriesPerSecond = minRetriesPerSecond;
      return this;
    }

    /**
     * The time source of the retry budget's reserve; the system ticker unless set.
     *
     * @param ticker the time source
     * @return this builder
     */
    public Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * Builds the interceptor.
     *
     * @return the interceptor
     * @throws IllegalStateException if no {@link #logicalHost} was set
     */
    public LoadBalancingInterceptor build() {
      if (logicalHost == null) {
        throw new IllegalStateException(
            "logicalHost is not set (expected: logicalHost(\"workers\") for http://workers/...)");
      }
      return new LoadBalancingInterceptor(this);
    }

    private static boolean isToken(String s) {
      if (s.isEmpty()) {
        return false;
      }
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        boolean ok =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
        if (!ok) {
          return false;
        }
      }
      return true;
    }
  }
}
