package io.github.lb4j.example;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.github.lb4j.Balancer;
import io.github.lb4j.BalancerSnapshot;
import io.github.lb4j.Endpoint;
import io.github.lb4j.EndpointState;
import io.github.lb4j.Lease;
import io.github.lb4j.LoadReport;
import io.github.lb4j.NoAvailableEndpointException;
import io.github.lb4j.core.BalancerBuilder;
import io.github.lb4j.core.Balancers;
import io.github.lb4j.discovery.Discovery;
import io.github.lb4j.discovery.EndpointSource;
import io.github.lb4j.discovery.Subscription;
import io.github.lb4j.retry.Attempts;
import io.github.lb4j.retry.RetryBudget;
import io.github.lb4j.retry.RetryPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.Call;
import okhttp3.ConnectionPool;
import okhttp3.EventListener;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;
import okio.BufferedSource;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HTTP/1.1 reverse proxy: every request except those under {@value #DASHBOARD} goes to an
 * upstream that a {@link Balancer} chooses, and the answer comes back as it arrives. Bodies stream
 * both ways, a buffer at a time, never held whole; upstream connections are kept alive in a pool.
 *
 * <p><b>Retries.</b> One loop of {@link Attempts} per request, within a {@link RetryBudget} shared
 * by all requests, never twice on one upstream. A request is retried on another upstream when
 * nothing of it can have reached the first (the connection could not be opened: any method, a POST
 * included), or when its method is idempotent, its body (if any) was not yet sent, and the upstream
 * failed without answering (except by a timeout, which would only double the load on a slow
 * upstream) or answered 502, 503 or 504. A request whose body was sent, wholly or in part, is never
 * sent again: the body is not kept.
 *
 * <p><b>Health.</b> The balancer's outlier detection ({@link Cluster#PASSIVE_HEALTH}) ejects an
 * upstream whose attempt failed: an I/O error, a timeout, or an answer of 502, 503 or 504. Other
 * answers, a 500 included, are an application's answers and count as successes. Active checks
 * ({@link Cluster#healthMonitoring}) probe {@code GET /health} of each upstream.
 *
 * <p><b>Headers.</b> Hop-by-hop headers (RFC 9110, section 7.6.1: {@code Connection} and those it
 * names, {@code Keep-Alive}, {@code TE}, {@code Trailer}, {@code Transfer-Encoding}, {@code
 * Upgrade}, {@code Proxy-*}) are never forwarded, in either direction. The request gets {@code
 * X-Forwarded-For} (the client's address appended), {@code X-Forwarded-Host}, {@code
 * X-Forwarded-Proto} and {@code Via}; the answer gets {@code Via}.
 *
 * <p><b>Errors.</b> The proxy's own answers are JSON: 503 when no upstream can be chosen, 504 when
 * the upstream timed out, 502 for any other upstream failure. An upstream that fails in the middle
 * of its body cannot be answered for any more: the client's connection is cut, so that it sees a
 * truncated answer as such, never as a complete one.
 *
 * <p><b>Limits.</b> The server is {@link HttpServers}'s, with its header size, idle timeout and
 * connection limit; each request in flight holds one of its threads (there is one per connection).
 * The upstream timeout bounds the wait for each read from an upstream, the time to the answer's
 * head included.
 *
 * <p><b>Why OkHttp upstream.</b> It streams a request body from the client as it arrives (a
 * one-shot body) and an answer as it comes, pools keep-alive connections with a bounded size and
 * idle time, and sends any end-to-end header, bytes outside ASCII included. The JDK's {@code
 * HttpClient} refuses to be given some headers (such as {@code Host}), cannot be closed on Java 17
 * and sizes its pool by system properties only; Jetty's client would be one more dependency for
 * what OkHttp, already here, does.
 *
 * <p>Threading: requests are served on the server's threads, each with blocking reads and writes;
 * the balancer, the client and the counters are thread safe. {@link #close()} may be called from
 * any thread.
 */
final class ReverseProxy implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ReverseProxy.class);

  /** The proxy's own pages: the dashboard here, its data at {@value #STATUS}. */
  static final String DASHBOARD = "/_lb/";

  static final String STATUS = "/_lb/status";

  /** What the proxy adds to {@code Via}: the protocol it received and its pseudonym. */
  static final String VIA = "1.1 lb4j";

  /** The statuses that mean the upstream could not serve the request. */
  private static final Set<Integer> UPSTREAM_FAILURES = Set.of(502, 503, 504);

  /** Methods whose requests may be sent twice (RFC 9110, section 9.2.2). */
  private static final Set<String> IDEMPOTENT =
      Set.of("GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE");

  /** Methods OkHttp sends only with a body (an empty one when the client sent none). */
  private static final Set<String> BODY_REQUIRED =
      Set.of("POST", "PUT", "PATCH", "PROPPATCH", "REPORT");

  private static final int BUFFER_BYTES = 16 * 1024;

  /**
   * How the proxy forwards.
   *
   * @param maxAttempts attempts per request, the first included
   * @param upstreamTimeout the longest wait for each read from an upstream (the answer's head
   *     included) and for each write to it
   * @param hashKey what a request's affinity key is, or {@code null} for none
   * @param accessLog where each request is logged, or {@code null} for nowhere
   */
  record Settings(int maxAttempts, Duration upstreamTimeout, HashKey hashKey, AccessLog accessLog) {
    Settings(int maxAttempts, Duration upstreamTimeout, HashKey hashKey) {
      this(maxAttempts, upstreamTimeout, hashKey, null);
    }

    Settings {
      TileSpec.checkRange("max-attempts", maxAttempts, 1, 10);
      if (upstreamTimeout.isNegative() || upstreamTimeout.isZero()) {
        throw new InvalidParameterException(
            "upstream-timeout-ms", "upstream-timeout-ms: " + upstreamTimeout + " (expected: > 0)");
      }
    }
  }

  /**
   * The affinity key of a request, for consistent hashing.
   *
   * @param kind where the key comes from
   * @param header the header's name for {@link Kind#HEADER}, else {@code null}
   */
  record HashKey(Kind kind, String header) {
    enum Kind {
      HEADER,
      PATH,
      CLIENT_IP
    }

    /**
     * {@code header:NAME}, {@code path} (the path with its query) or {@code client-ip}.
     *
     * @throws InvalidParameterException naming {@code hash-key} for anything else
     */
    static HashKey parse(String spec) {
      if (spec.equals("path")) {
        return new HashKey(Kind.PATH, null);
      }
      if (spec.equals("client-ip")) {
        return new HashKey(Kind.CLIENT_IP, null);
      }
      if (spec.startsWith("header:") && isToken(spec.substring("header:".length()))) {
        return new HashKey(Kind.HEADER, spec.substring("header:".length()));
      }
      throw new InvalidParameterException(
          "hash-key",
          "hash-key: '"
              + spec
              + "' (expected: header:NAME such as header:X-User, path, or client-ip)");
    }

    /** The request's key; {@code null} when the header is missing. */
    String of(Request request, String clientIp) {
      return switch (kind) {
        case HEADER -> request.getHeaders().get(header);
        case PATH -> request.getHttpURI().getPathQuery();
        case CLIENT_IP -> clientIp;
      };
    }

    @Override
    public String toString() {
      return kind == Kind.HEADER ? "header:" + header : kind.name().toLowerCase(Locale.ROOT);
    }
  }

  private final HttpServer server;
  private final Balancer balancer;
  private final Settings settings;
  private final RetryPolicy policy;
  private final OkHttpClient client;
  private final URI uri;
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong retries = new AtomicLong();
  private final AtomicLong errors = new AtomicLong();
  private volatile Subscription discovery;

  private ReverseProxy(HttpServer server, Balancer balancer, Settings settings) {
    this.server = server;
    this.balancer = balancer;
    this.settings = settings;
    this.policy =
        RetryPolicy.maxAttempts(settings.maxAttempts()).withBudget(RetryBudget.defaults());
    this.client =
        new OkHttpClient.Builder()
            .protocols(List.of(Protocol.HTTP_1_1))
            // Idle upstream connections are dropped after 5 s, before the 10 s after which this
            // example's servers close them, so that a pooled connection is rarely a closed one.
            .connectionPool(new ConnectionPool(64, 5, TimeUnit.SECONDS))
            .connectTimeout(Duration.ofSeconds(2))
            .readTimeout(settings.upstreamTimeout())
            .writeTimeout(settings.upstreamTimeout())
            // A stream may be long; each read and write is bounded instead of the whole call.
            .callTimeout(Duration.ZERO)
            // Recovers from a pooled connection the upstream had closed, on the same upstream
            // and only for a request whose body was not sent (one-shot bodies are never resent);
            // moving to another upstream is this proxy's own loop.
            .retryOnConnectionFailure(true)
            .followRedirects(false)
            .followSslRedirects(false)
            .eventListenerFactory(ReverseProxy::attemptEvents)
            // OkHttp adds a User-Agent to requests that have none; a proxy should not.
            .addNetworkInterceptor(
                chain -> {
                  AttemptEvents events = chain.request().tag(AttemptEvents.class);
                  if (events != null && !events.userAgent) {
                    return chain.proceed(
                        chain.request().newBuilder().removeHeader("User-Agent").build());
                  }
                  return chain.proceed(chain.request());
                })
            .build();
    InetSocketAddress a = server.getAddress();
    this.uri = URI.create("http://" + a.getAddress().getHostAddress() + ":" + a.getPort());
  }

  /**
   * A balancer over {@code upstreams} for the proxy: passive health always, active checks every
   * {@code healthInterval} unless it is zero.
   */
  static Balancer balancer(List<Endpoint> upstreams, PickerName picker, Duration healthInterval) {
    BalancerBuilder b =
        Balancers.builder()
            .name("proxy")
            .endpoints(upstreams)
            .picker(picker.factory())
            .timeCalls(true); // the dashboard shows each upstream's latency, whatever the picker
    Cluster.PASSIVE_HEALTH.accept(b);
    if (!healthInterval.isZero()) {
      Cluster.healthMonitoring(healthInterval).accept(b);
    }
    return b.build();
  }

  /**
   * Starts a proxy on {@code bind:port} in front of {@code balancer}'s endpoints; closing the proxy
   * closes the balancer.
   */
  static ReverseProxy start(
      String bind, int port, Balancer balancer, Settings settings, HttpServers.Limits limits)
      throws IOException {
    HttpServer server = HttpServers.create("proxy-http", bind, port, limits);
    ReverseProxy proxy = new ReverseProxy(server, balancer, settings);
    server.createContext("/", proxy::handle);
    return proxy;
  }

  /**
   * The limits of {@link HttpServers.Limits#defaults()}, with a thread for every connection: each
   * request in flight holds one, and 16 more are left for the server's own work.
   */
  static HttpServers.Limits limits() {
    HttpServers.Limits d = HttpServers.Limits.defaults();
    return new HttpServers.Limits(
        d.maxConnections() + 16, d.maxConnections(), d.idleTimeout(), d.maxHeaderBytes());
  }

  /**
   * Keeps the balancer's membership in step with {@code source} until the proxy closes; the first
   * look happens now.
   */
  void follow(EndpointSource source) {
    discovery = Discovery.bind(source, balancer);
  }

  URI uri() {
    return uri;
  }

  Balancer balancer() {
    return balancer;
  }

  // ---- serving

  private void handle(HttpExchange ex) throws IOException {
    Request request = HttpServers.jetty(ex);
    String path = request.getHttpURI().getPath();
    if (path.equals("/_lb") || path.startsWith(DASHBOARD)) {
      try (ex) {
        dashboard(ex, path);
      }
      return;
    }
    requests.incrementAndGet();
    // The idle timeout guards reads and writes of the client's connection; waiting for a slow
    // upstream is not an idle client (the upstream timeout bounds that wait).
    request.addIdleTimeoutListener(t -> false);
    AccessLog accessLog = settings.accessLog();
    try {
      forward(ex, request);
    } finally {
      if (accessLog != null) {
        accessLog.log(request, ex.getResponseCode());
      }
    }
  }

  private void forward(HttpExchange ex, Request request) throws IOException {
    String method = request.getMethod();
    String target = request.getHttpURI().getPathQuery();
    HttpFields fields = request.getHeaders();
    String clientIp = Request.getRemoteAddr(request);
    StreamingBody body;
    try {
      body = requestBody(method, fields, ex.getRequestBody());
    } catch (InvalidParameterException e) {
      answer(ex, 400, "bad request", e.getMessage());
      return;
    }
    Headers headers = upstreamHeaders(fields, clientIp);
    boolean userAgent = fields.contains(HttpHeader.USER_AGENT);
    boolean idempotent = IDEMPOTENT.contains(method);
    HashKey hashKey = settings.hashKey();
    Attempts attempts =
        policy.start(balancer, hashKey == null ? null : hashKey.of(request, clientIp));
    Lease lease;
    try {
      lease = attempts.first();
    } catch (NoAvailableEndpointException | IllegalStateException e) {
      answer(ex, 503, "no upstream available", e.getMessage());
      return;
    }
    while (true) {
      AttemptEvents events = new AttemptEvents(userAgent);
      Response response;
      try {
        response =
            client
                .newCall(upstreamRequest(lease.endpoint(), method, target, headers, body, events))
                .execute();
      } catch (IOException e) {
        if (body != null && body.clientFailure != null) {
          lease.close(); // the client broke off its upload: nothing to say about the upstream
          abort(ex, request);
          return;
        }
        lease.failure(e);
        lease.close();
        boolean replayable = body == null || !body.started;
        boolean retry =
            replayable && (!events.sent || (idempotent && !(e instanceof InterruptedIOException)));
        Lease next = retry ? retry(attempts, method, target, e.toString()) : null;
        if (next == null) {
          upstreamError(ex, lease.endpoint(), e);
          return;
        }
        lease = next;
        continue;
      }
      // An upstream may report its load with the answer; a malformed report is counted, not
      // thrown.
      lease.reportLoadHeader(response.header(LoadReport.HEADER));
      int code = response.code();
      boolean failed = UPSTREAM_FAILURES.contains(code);
      if (failed && idempotent && (body == null || !body.started)) {
        Lease next = retry(attempts, method, target, "status " + code);
        if (next != null) {
          response.close();
          lease.failure();
          lease.close();
          lease = next;
          continue;
        }
      }
      relay(ex, request, response, lease, failed);
      return;
    }
  }

  private Lease retry(Attempts attempts, String method, String target, String why) {
    Lease next = attempts.retry(method + " " + target, why);
    if (next != null) {
      retries.incrementAndGet();
    }
    return next;
  }

  /** Sends the upstream's answer on, its body a buffer at a time; then reports and closes. */
  private void relay(
      HttpExchange ex, Request request, Response response, Lease lease, boolean failed)
      throws IOException {
    try (response) {
      com.sun.net.httpserver.Headers out = ex.getResponseHeaders();
      Headers in = response.headers();
      Set<String> dropped = connectionListed(in.values("Connection"));
      for (int i = 0; i < in.size(); i++) {
        String name = in.name(i);
        String lower = name.toLowerCase(Locale.ROOT);
        // The server sends a Date of its own; two would be malformed.
        if (!isHopByHop(lower) && !dropped.contains(lower) && !lower.equals("date")) {
          out.add(name, in.value(i));
        }
      }
      out.add("Via", VIA);
      int code = response.code();
      boolean bodiless =
          request.getMethod().equals("HEAD") || code == 204 || code == 304 || code < 200;
      // -1: the length, if any, is the upstream's Content-Length header, copied above; without
      // one the server chunks the answer.
      ex.sendResponseHeaders(code, -1);
      if (!bodiless) {
        OutputStream client = ex.getResponseBody();
        BufferedSource upstream = response.body().source();
        byte[] buffer = new byte[BUFFER_BYTES];
        while (true) {
          int n;
          try {
            n = upstream.read(buffer);
          } catch (IOException e) {
            lease.failure(e);
            lease.close();
            log.debug("upstream {} failed in the middle of its answer", lease.endpoint().id(), e);
            abort(ex, request);
            return;
          }
          if (n < 0) {
            break;
          }
          try {
            client.write(buffer, 0, n);
          } catch (IOException e) {
            lease.close(); // the client went away: nothing to say about the upstream
            abort(ex, request);
            return;
          }
        }
      }
      Attempts.report(lease, failed);
      lease.close();
      ex.close();
    }
  }

  /**
   * Cuts the client's connection, so that an answer broken off is not taken for a whole one. The
   * exchange's streams are swapped for empty ones: closing the exchange, as the server does after
   * the handler, then has nothing left to write (it would fail and log the failure).
   */
  private static void abort(HttpExchange ex, Request request) {
    request.getConnectionMetaData().getConnection().getEndPoint().close();
    ex.setStreams(InputStream.nullInputStream(), OutputStream.nullOutputStream());
  }

  private void upstreamError(HttpExchange ex, Endpoint upstream, IOException e) throws IOException {
    boolean timeout = e instanceof SocketTimeoutException || e instanceof InterruptedIOException;
    answer(
        ex,
        timeout ? 504 : 502,
        timeout ? "upstream timeout" : "bad gateway",
        "upstream " + upstream.id() + ": " + e);
  }

  private void answer(HttpExchange ex, int status, String error, String message)
      throws IOException {
    errors.incrementAndGet();
    try (ex) {
      ex.getResponseHeaders().set("Cache-Control", "no-store");
      ex.getResponseHeaders().set("Via", VIA);
      HttpServers.sendError(ex, status, error, null, message);
    }
  }

  // ---- the request sent upstream

  /**
   * The body to stream to the upstream, or {@code null} for a request without one.
   *
   * @throws InvalidParameterException for a GET or HEAD with a body, which OkHttp cannot send
   */
  static StreamingBody requestBody(String method, HttpFields fields, InputStream in) {
    boolean chunked = fields.contains(HttpHeader.TRANSFER_ENCODING);
    long length = fields.getLongField(HttpHeader.CONTENT_LENGTH);
    boolean hasBody = chunked || length > 0;
    if (!hasBody) {
      return BODY_REQUIRED.contains(method) ? new StreamingBody(in, 0) : null;
    }
    if (method.equals("GET") || method.equals("HEAD")) {
      throw new InvalidParameterException(
          "body", "a " + method + " request with a body (expected: none; it is not forwarded)");
    }
    return new StreamingBody(in, chunked ? -1 : length);
  }

  /**
   * The request's end-to-end headers, with the forwarding headers added. {@code Host} becomes the
   * upstream's (OkHttp sets it), the client's goes in {@code X-Forwarded-Host}; {@code
   * Content-Length} and {@code Expect} are the body's business.
   */
  static Headers upstreamHeaders(HttpFields fields, String clientIp) {
    Set<String> dropped = connectionListed(fields.getValuesList(HttpHeader.CONNECTION));
    Headers.Builder b = new Headers.Builder();
    String forwardedFor = null;
    String via = null;
    String host = null;
    boolean acceptEncoding = false;
    boolean forwardedHost = false;
    boolean forwardedProto = false;
    for (HttpField f : fields) {
      String name = f.getName();
      String value = f.getValue() == null ? "" : f.getValue();
      String lower = name.toLowerCase(Locale.ROOT);
      if (isHopByHop(lower) || dropped.contains(lower)) {
        continue;
      }
      switch (lower) {
        case "host" -> host = value;
        case "content-length", "expect" -> {}
        case "x-forwarded-for" -> forwardedFor = join(forwardedFor, value);
        case "via" -> via = join(via, value);
        default -> {
          acceptEncoding |= lower.equals("accept-encoding");
          forwardedHost |= lower.equals("x-forwarded-host");
          forwardedProto |= lower.equals("x-forwarded-proto");
          // The server accepted the value; OkHttp would refuse bytes outside ASCII.
          b.addUnsafeNonAscii(name, value);
        }
      }
    }
    b.add("X-Forwarded-For", join(forwardedFor, clientIp));
    if (host != null && !forwardedHost) {
      b.addUnsafeNonAscii("X-Forwarded-Host", host);
    }
    if (!forwardedProto) {
      b.add("X-Forwarded-Proto", "http");
    }
    b.addUnsafeNonAscii("Via", join(via, VIA));
    if (!acceptEncoding) {
      // Else OkHttp asks for gzip and unzips the answer: the client gets what it asked for.
      b.add("Accept-Encoding", "identity");
    }
    return b.build();
  }

  private static okhttp3.Request upstreamRequest(
      Endpoint upstream,
      String method,
      String target,
      Headers headers,
      StreamingBody body,
      AttemptEvents events)
      throws IOException {
    String base = upstream.address().toString();
    if (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    HttpUrl url = HttpUrl.parse(base + target);
    if (url == null) {
      throw new IOException(
          "upstream " + upstream.id() + ": address " + base + " (expected: an http URL)");
    }
    return new okhttp3.Request.Builder()
        .url(url)
        .headers(headers)
        .method(method, body)
        .tag(AttemptEvents.class, events)
        .build();
  }

  static boolean isHopByHop(String lowerCaseName) {
    return switch (lowerCaseName) {
      case "connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade" -> true;
      default -> lowerCaseName.startsWith("proxy-");
    };
  }

  /** The header names a {@code Connection} header lists, in lower case: hop-by-hop too. */
  private static Set<String> connectionListed(List<String> connectionValues) {
    Set<String> names = new HashSet<>();
    for (String v : connectionValues) {
      for (String token : v.split(",", -1)) {
        String t = token.trim().toLowerCase(Locale.ROOT);
        if (!t.isEmpty()) {
          names.add(t);
        }
      }
    }
    return names;
  }

  private static String join(String list, String value) {
    return list == null ? value : list + ", " + value;
  }

  private static boolean isToken(String s) {
    return !s.isEmpty()
        && s.chars().allMatch(c -> c > 32 && c < 127 && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0);
  }

  /**
   * A request body read from the client while it is written to the upstream: one shot (never
   * resent, never kept), and it records whether sending began and whether the client failed.
   */
  static final class StreamingBody extends RequestBody {
    private final InputStream in;
    private final long length;
    volatile boolean started;
    volatile IOException clientFailure;

    StreamingBody(InputStream in, long length) {
      this.in = in;
      this.length = length;
    }

    @Override
    public MediaType contentType() {
      return null; // the client's Content-Type header is forwarded as it was
    }

    @Override
    public long contentLength() {
      return length;
    }

    @Override
    public boolean isOneShot() {
      return true;
    }

    @Override
    public void writeTo(BufferedSink sink) throws IOException {
      started = true;
      byte[] buffer = new byte[BUFFER_BYTES];
      while (true) {
        int n;
        try {
          n = in.read(buffer);
        } catch (IOException e) {
          clientFailure = e;
          throw e;
        }
        if (n < 0) {
          return;
        }
        sink.write(buffer, 0, n);
        sink.flush(); // what the client sent so far goes on now, not when a buffer fills
      }
    }
  }

  private static EventListener attemptEvents(Call call) {
    AttemptEvents events = call.request().tag(AttemptEvents.class);
    return events != null ? events : EventListener.NONE;
  }

  /**
   * What one attempt's call did: whether it began to write the request (before that, nothing can
   * have reached the upstream: a refused connection, or a pooled one found closed), and whether the
   * client sent a User-Agent. Written by OkHttp on the calling thread.
   */
  private static final class AttemptEvents extends EventListener {
    final boolean userAgent;
    volatile boolean sent;

    AttemptEvents(boolean userAgent) {
      this.userAgent = userAgent;
    }

    @Override
    public void requestHeadersStart(Call call) {
      sent = true;
    }
  }

  /**
   * One line per forwarded request, in the format of an nginx {@code log_format} of {@code
   * "$request_time $status $request_method $request_uri"}: seconds from the request's first byte to
   * its answer's last, with milliseconds. For benchmarks and debugging; each line is flushed.
   * Thread safe: lines are written under a lock.
   */
  static final class AccessLog implements AutoCloseable {
    private final java.io.Writer out;

    private AccessLog(java.io.Writer out) {
      this.out = out;
    }

    /** Appends to {@code file}, creating it if need be, so that it may be truncated meanwhile. */
    static AccessLog open(java.nio.file.Path file) throws IOException {
      return new AccessLog(
          java.nio.file.Files.newBufferedWriter(
              file,
              StandardCharsets.UTF_8,
              java.nio.file.StandardOpenOption.CREATE,
              java.nio.file.StandardOpenOption.APPEND));
    }

    void log(Request request, int status) {
      // Jetty's begin time is on the System.nanoTime() scale.
      long nanos = System.nanoTime() - request.getBeginNanoTime();
      String line =
          String.format(
              Locale.ROOT,
              "%.3f %d %s %s%n",
              nanos / 1e9,
              status,
              request.getMethod(),
              request.getHttpURI().getPathQuery());
      synchronized (this) {
        try {
          out.write(line);
          out.flush();
        } catch (IOException e) {
          log.debug("access log write failed", e);
        }
      }
    }

    @Override
    public synchronized void close() throws IOException {
      out.close();
    }
  }

  // ---- the dashboard

  private void dashboard(HttpExchange ex, String path) throws IOException {
    if (!HttpServers.isGet(ex.getRequestMethod())) {
      ex.getResponseHeaders().set("Allow", "GET, HEAD");
      HttpServers.sendError(
          ex,
          405,
          "method not allowed",
          null,
          ex.getRequestMethod() + " " + path + " (expected: GET)");
      return;
    }
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    if (path.equals(STATUS)) {
      HttpServers.send(ex, 200, "application/json", status().getBytes(StandardCharsets.UTF_8));
    } else if (path.equals(DASHBOARD) || path.equals("/_lb")) {
      byte[] page;
      try (InputStream in = ReverseProxy.class.getResourceAsStream("/proxy/index.html")) {
        if (in == null) {
          throw new IOException("the dashboard page is missing from the jar");
        }
        page = in.readAllBytes();
      }
      ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
      HttpServers.send(ex, 200, "text/html; charset=utf-8", page);
    } else {
      HttpServers.sendError(
          ex,
          404,
          "not found",
          null,
          "no such path: " + path + " (expected: " + DASHBOARD + " or " + STATUS + ")");
    }
  }

  /** The dashboard's data: the balancer's upstreams with their live state, and the counters. */
  String status() {
    BalancerSnapshot s = balancer.snapshot();
    StringBuilder sb =
        new StringBuilder("{\"picker\":")
            .append(Json.quote(s.pickerName()))
            .append(",\"hashKey\":")
            .append(settings.hashKey() == null ? "null" : Json.quote(settings.hashKey().toString()))
            .append(",\"requests\":")
            .append(requests.get())
            .append(",\"retries\":")
            .append(retries.get())
            .append(",\"errors\":")
            .append(errors.get())
            .append(",\"retryBudget\":")
            .append(policy.budget().available())
            .append(",\"healthy\":")
            .append(s.healthyCount())
            .append(",\"upstreams\":[");
    List<EndpointState> eps = s.endpoints();
    for (int i = 0; i < eps.size(); i++) {
      Json.endpointFields(sb.append(i == 0 ? "{" : ",{"), eps.get(i)).append('}');
    }
    return sb.append("]}").toString();
  }

  @Override
  public void close() {
    Subscription d = discovery;
    if (d != null) {
      d.close();
    }
    server.stop(0);
    balancer.close();
    client.connectionPool().evictAll();
    if (settings.accessLog() != null) {
      try {
        settings.accessLog().close();
      } catch (IOException e) {
        log.debug("access log close failed", e);
      }
    }
  }
}
