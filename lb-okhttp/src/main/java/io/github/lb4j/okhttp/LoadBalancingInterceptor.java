package io.github.lb4j.okhttp;

import io.github.lb4j.Balancer;
import io.github.lb4j.Endpoint;
import io.github.lb4j.Lease;
import io.github.lb4j.LoadReport;
import io.github.lb4j.NoAvailableEndpointException;
import io.github.lb4j.NoAvailableEndpointIOException;
import io.github.lb4j.Ticker;
import io.github.lb4j.internal.HttpCalls;
import io.github.lb4j.retry.Attempts;
import io.github.lb4j.retry.RetryBudget;
import io.github.lb4j.retry.RetryPolicy;
import java.io.IOException;
import java.util.Objects;
import java.util.Set;
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
 * {@code http://workers/tile?x=3} into {@code http://10.0.0.7:8080/api/tile?x=3}); path and query
 * are kept. Requests for other hosts pass through untouched.
 *
 * <p><b>In flight until the body is closed.</b> The lease of the attempt that produced the returned
 * response is held until its body is read to the end, fails, or is closed, so least-connection and
 * bounded-load hashing count calls whose bodies are still streaming. The outcome and its latency
 * are reported then: a failed read, or a status the {@linkplain Builder#failureStatuses failure
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
 * Requests whose body is one-shot or duplex are never retried. If no untried endpoint can be
 * chosen, the last response or error is returned. A retry of a keyed request tries the key first
 * and then any endpoint, so affinity survives as long as the key's endpoint answers.
 *
 * <p><b>Affinity.</b> The affinity key, passed to {@link Balancer#acquire(String)}, is the
 * request's {@link AffinityKey} tag or else the value of the {@linkplain Builder#affinityHeader
 * affinity header}, if one is configured; without either, {@link Balancer#acquire()} is used.
 *
 * <p><b>Errors.</b> When the balancer cannot choose (no endpoint, none healthy, or closed), the
 * call fails with a {@link NoAvailableEndpointIOException}, never an unchecked exception, so {@code
 * enqueue()} callers get it in {@code onFailure}.
 *
 * <p>Add it with {@code addInterceptor}, not {@code addNetworkInterceptor}: a network interceptor
 * cannot change the host. Threading: immutable apart from the shared retry budget, which is thread
 * safe; one instance may serve any number of clients and concurrent calls.
 */
public final class LoadBalancingInterceptor implements Interceptor {
  private static final Logger log = LoggerFactory.getLogger(LoadBalancingInterceptor.class);

  private final Balancer balancer;
  private final String logicalHost;
  private final String affinityHeader;
  private final IntPredicate failureStatuses;
  private final Set<Integer> retryStatuses;
  private final Set<String> retryMethods;
  private final RetryPolicy retryPolicy;

  private LoadBalancingInterceptor(Builder b) {
    this.balancer = b.balancer;
    this.logicalHost = b.logicalHost;
    this.affinityHeader = b.affinityHeader;
    this.failureStatuses = b.failureStatuses;
    this.retryStatuses = Set.copyOf(b.retryStatuses);
    this.retryMethods = Set.copyOf(b.retryMethods);
    RetryBudget budget =
        b.retryBudget != null
            ? b.retryBudget
            : RetryBudget.ofRatio(b.retryRatio)
                .minRetriesPerSecond(b.minRetriesPerSecond)
                .ticker(b.ticker)
                .build();
    this.retryPolicy = RetryPolicy.maxAttempts(b.maxAttempts).withBudget(budget);
  }

  /**
   * Starts configuring an interceptor for {@code balancer}.
   *
   * @param balancer chooses the endpoint of each attempt; not closed by the interceptor
   * @return a builder
   * @throws NullPointerException if {@code balancer} is {@code null}
   */
  public static Builder builder(Balancer balancer) {
    return new Builder(Objects.requireNonNull(balancer, "balancer"));
  }

  /**
   * The balancer this interceptor chooses with.
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
   * Sends a request for the logical host to the chosen endpoint, retrying on others as configured;
   * passes any other request on unchanged. Called by OkHttp, on the calling thread for {@code
   * execute()} and on a dispatcher thread for {@code enqueue()}.
   *
   * @throws NoAvailableEndpointIOException when the balancer cannot choose an endpoint
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
          "LoadBalancingInterceptor for '"
              + logicalHost
              + "' must be added with"
              + " OkHttpClient.Builder.addInterceptor, not addNetworkInterceptor: a network"
              + " interceptor cannot change the host");
    }
    Call call = chain.call();
    String key = affinityKey(request);
    RequestBody body = request.body();
    boolean replayable = body == null || !(body.isOneShot() || body.isDuplex());
    boolean idempotent = retryMethods.contains(request.method());

    Attempts attempts = retryPolicy.start(balancer, key);
    Lease lease = first(attempts);
    while (true) {
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
        Lease next =
            replayable && HttpCalls.isConnectFailure(e)
                ? retry(attempts, request, e.toString())
                : null;
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

      // An endpoint may report its load with the answer; a malformed report is counted, not thrown.
      lease.reportLoadHeader(response.header(LoadReport.HEADER));
      int code = response.code();
      boolean failed = isFailure(code);
      boolean retry = idempotent && replayable && retryStatuses.contains(code);
      Lease next = retry ? retry(attempts, request, "status " + code) : null;
      if (next == null) {
        return withLease(response, lease, call, failed);
      }
      response.close();
      try {
        Attempts.report(lease, failed);
      } finally {
        lease.close();
      }
      lease = next;
    }
  }

  /**
   * The lease for a retry on an endpoint this call has not tried, or {@code null} when attempts or
   * the retry budget are spent or no untried endpoint can be chosen.
   */
  private static Lease retry(Attempts attempts, Request request, String why) {
    return attempts.retry(request.method() + " " + request.url(), why);
  }

  @SuppressWarnings("deprecation") // the old name, thrown so that existing catch blocks still work
  private Lease first(Attempts attempts) throws NoAvailableEndpointIOException {
    try {
      return attempts.first();
    } catch (NoAvailableEndpointException | IllegalStateException e) {
      throw new NoEndpointAvailableIOException(balancer.name(), e);
    }
  }

  private boolean isFailure(int code) {
    return HttpCalls.isFailure(failureStatuses, code, log);
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
        Attempts.report(lease, failed);
      } finally {
        lease.close();
      }
      return response;
    }
    return response.newBuilder().body(new LeasedResponseBody(body, lease, call, failed)).build();
  }

  /**
   * The request sent to {@code endpoint}: its scheme, host, port and base path, our path and query.
   */
  static Request rewrite(Request request, Endpoint endpoint) throws IOException {
    String address = endpoint.address().toString();
    HttpUrl base = HttpUrl.parse(address);
    if (base == null) {
      throw new IOException(
          "endpoint "
              + endpoint.id()
              + ": address "
              + address
              + " (expected: an http or https URL)");
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

  @Override
  public String toString() {
    return "LoadBalancingInterceptor(" + logicalHost + " -> " + balancer.name() + ")";
  }

  /**
   * Configures a {@link LoadBalancingInterceptor}. Every setter validates its argument at once. Not
   * thread safe; {@link #build()} may be called more than once, each interceptor getting its own
   * retry budget.
   */
  public static final class Builder {
    private final Balancer balancer;
    private String logicalHost;
    private String affinityHeader;
    private IntPredicate failureStatuses = HttpCalls.SERVER_ERRORS;
    private Set<Integer> retryStatuses = HttpCalls.DEFAULT_RETRY_STATUSES;
    private Set<String> retryMethods = HttpCalls.DEFAULT_RETRY_METHODS;
    private int maxAttempts = 3;
    private RetryBudget retryBudget;
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
     * @param host the host name, without scheme or port
     * @return this builder
     * @throws IllegalArgumentException if {@code host} is not a valid host name
     */
    public Builder logicalHost(String host) {
      Objects.requireNonNull(host, "host");
      HttpUrl parsed = host.isBlank() ? null : HttpUrl.parse("http://" + host + "/");
      if (parsed == null || !parsed.host().equalsIgnoreCase(host) || parsed.port() != 80) {
        throw new IllegalArgumentException(
            "logicalHost: '"
                + host
                + "' (expected: a host name without scheme or port, e.g."
                + " workers)");
      }
      this.logicalHost = parsed.host();
      return this;
    }

    /**
     * A request header whose value is the affinity key when the request has no {@link AffinityKey}
     * tag; none unless set. The header is sent on unchanged.
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
     * Connect errors, timeouts and failed reads are always failures.
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
     * twice does no harm; GET, HEAD, OPTIONS, PUT and DELETE unless set. Matched case-sensitively,
     * as HTTP methods are.
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
      this.maxAttempts = RetryPolicy.maxAttempts(attempts).maxAttempts(); // validates
      return this;
    }

    /**
     * The retry budget shared by all calls through the interceptor; a retry it cannot pay for is
     * not made. Unless set, each built interceptor gets a budget of its own with the defaults of
     * {@link RetryBudget#defaults()}: at most 20% extra load from retries once the initial reserve
     * is spent. Pass one budget to several interceptors (or a JDK client) to cap them together.
     *
     * @param budget the budget, such as {@code
     *     RetryBudget.ofRatio(0.2).minRetriesPerSecond(10).build()}
     * @return this builder
     */
    public Builder retryBudget(RetryBudget budget) {
      this.retryBudget = Objects.requireNonNull(budget, "budget");
      return this;
    }

    /**
     * The attempt limit and retry budget together, as one {@link RetryPolicy}; the same as {@link
     * #maxAttempts} and {@link #retryBudget(RetryBudget)}.
     *
     * @param policy the policy
     * @return this builder
     */
    public Builder retryPolicy(RetryPolicy policy) {
      Objects.requireNonNull(policy, "policy");
      this.maxAttempts = policy.maxAttempts();
      this.retryBudget = policy.budget();
      return this;
    }

    /**
     * A retry budget of {@code ratio} of the calls plus {@code minRetriesPerSecond} retries per
     * second, made for each built interceptor on the {@link #ticker}.
     *
     * @param ratio the retries each call earns, {@code >= 0} and finite
     * @param minRetriesPerSecond the reserve per second, {@code >= 0}
     * @return this builder
     * @throws IllegalArgumentException if {@code ratio} is negative or not finite, or {@code
     *     minRetriesPerSecond} is negative
     * @deprecated positional numbers; use {@link #retryBudget(RetryBudget)} with {@code
     *     RetryBudget.ofRatio(ratio).minRetriesPerSecond(n).build()}
     */
    @Deprecated
    public Builder retryBudget(double ratio, int minRetriesPerSecond) {
      RetryBudget.ofRatio(ratio).minRetriesPerSecond(minRetriesPerSecond); // validates both
      this.retryRatio = ratio;
      this.minRetriesPerSecond = minRetriesPerSecond;
      this.retryBudget = null;
      return this;
    }

    /**
     * The time source of the default retry budget's reserve; the system ticker unless set. Ignored
     * when a budget is given with {@link #retryBudget(RetryBudget)}, which has its own ticker.
     *
     * @param ticker the ticker
     * @return this builder
     * @deprecated set the ticker on the budget: {@code RetryBudget.ofRatio(0.2).ticker(t).build()}
     */
    @Deprecated
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
  }
}
