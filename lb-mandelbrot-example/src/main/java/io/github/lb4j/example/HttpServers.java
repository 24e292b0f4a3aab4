package io.github.lb4j.example;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.spi.JettyHttpServer;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Creates the HTTP servers of this example and holds what their handlers share.
 *
 * <p>The servers are Jetty behind the JDK's {@code com.sun.net.httpserver} API: Jetty's selector
 * reads requests without holding a thread, so a client that sends half a request line and stops
 * costs a socket, not a handler thread; its idle timeout closes such a connection, and a connection
 * limit bounds how many there are. Handlers run on Jetty's own pool of I/O threads, never on a
 * worker's compute threads. Errors Jetty answers itself (a malformed URI, an over-long header) are
 * JSON like every other error.
 *
 * <p>Thread safe (stateless).
 */
final class HttpServers {
  /** The request attribute holding the Jetty request under an exchange. */
  private static final String JETTY_REQUEST = HttpServers.class.getName() + ".request";

  /** The limits of one server. */
  record Limits(int threads, int maxConnections, Duration idleTimeout, int maxHeaderBytes) {
    Limits {
      TileSpec.checkRange("threads", threads, 4, 1024);
      TileSpec.checkRange("maxConnections", maxConnections, 1, 100_000);
      if (idleTimeout.isNegative() || idleTimeout.isZero()) {
        throw new IllegalArgumentException("idleTimeout: " + idleTimeout + " (expected: > 0)");
      }
      TileSpec.checkRange("maxHeaderBytes", maxHeaderBytes, 1024, 1 << 20);
    }

    /**
     * 64 I/O threads, 256 connections, a 10 s idle timeout (which also bounds how long a request's
     * header may take to arrive) and 8 KiB of request header.
     */
    static Limits defaults() {
      return new Limits(64, 256, Duration.ofSeconds(10), 8192);
    }
  }

  private HttpServers() {}

  /**
   * Starts a server listening on {@code bind:port}, with no context yet: requests before the first
   * context is created are answered 404.
   *
   * @param name the name of its threads
   * @throws IOException naming the address and the port when it cannot be resolved or bound
   */
  static HttpServer create(String name, String bind, int port, Limits limits) throws IOException {
    InetSocketAddress address = new InetSocketAddress(bind, port);
    if (address.isUnresolved()) {
      throw new IOException(
          "cannot listen on "
              + bind
              + ":"
              + port
              + ": the address '"
              + bind
              + "' does not resolve (check --bind)");
    }
    QueuedThreadPool threads = new QueuedThreadPool(limits.threads(), 4);
    threads.setName(name);
    threads.setDaemon(true);
    Server server = new Server(threads);
    server.setStopTimeout(0);
    HttpConfiguration config = new HttpConfiguration();
    config.setRequestHeaderSize(limits.maxHeaderBytes());
    config.setSendServerVersion(false);
    config.setSendXPoweredBy(false);
    // One acceptor and one selector: the servers here take few connections and the machine may
    // have as few as two cores.
    ServerConnector connector =
        new ServerConnector(server, 1, 1, new HttpConnectionFactory(config));
    connector.setHost(address.getAddress().getHostAddress());
    connector.setPort(port);
    connector.setIdleTimeout(limits.idleTimeout().toMillis());
    connector.setAcceptQueueSize(64);
    server.addConnector(connector);
    server.addBean(new NetworkConnectionLimit(limits.maxConnections(), server));
    server.setErrorHandler(new JsonErrorHandler());
    ContextHandlerCollection contexts = new ContextHandlerCollection();
    server.setHandler(new Tagger(contexts));
    try {
      server.start();
    } catch (Exception e) {
      stopQuietly(server);
      String why =
          e instanceof BindException || e.getCause() instanceof BindException
              ? "the port is in use or not allowed (try another --port, or --port 0 for any free one)"
              : e.toString();
      throw new IOException("cannot listen on " + bind + ":" + port + ": " + why, e);
    }
    // Not shared: stop() stops the Jetty server. bind() finds the started connector and adopts it.
    JettyHttpServer http = new JettyHttpServer(server, false, config);
    http.bind(address, 64);
    return http;
  }

  private static void stopQuietly(Server server) {
    try {
      server.stop();
    } catch (Exception ignored) {
      // it never started
    }
  }

  /** Puts the Jetty request in an attribute, where {@link #jetty} finds it. */
  private static final class Tagger extends Handler.Wrapper {
    Tagger(Handler next) {
      super(next);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      request.setAttribute(JETTY_REQUEST, request);
      return super.handle(request, response, callback);
    }
  }

  /** Jetty's own error answers (bad URI, header too large, no context) as this example's JSON. */
  private static final class JsonErrorHandler extends ErrorHandler {
    @Override
    protected void generateResponse(
        Request request,
        Response response,
        int code,
        String message,
        Throwable cause,
        Callback callback) {
      byte[] body = errorJson(code, message);
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
      response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
      response.write(true, ByteBuffer.wrap(body), callback);
    }

    // Jetty 12 still calls this, not generateResponse, for requests it could not parse (such as
    // 431);
    // without it they would get its HTML page. Drop it when Jetty removes the method.
    @SuppressWarnings("removal")
    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
      fields.put(HttpHeader.CONTENT_TYPE, "application/json");
      return ByteBuffer.wrap(errorJson(status, reason));
    }

    private static byte[] errorJson(int code, String message) {
      String error =
          switch (code) {
            case 400 -> "bad request";
            case 404 -> "not found";
            case 431 -> "header too large";
            case 500 -> "internal error";
            default -> "http error";
          };
      String m = message == null || message.isEmpty() ? "HTTP " + code : message;
      return errorBody(error, null, m);
    }
  }

  /** The Jetty request under an exchange: its raw target and header fields, for the proxy. */
  static Request jetty(HttpExchange ex) {
    Object r = ex.getAttribute(JETTY_REQUEST);
    if (!(r instanceof Request request)) {
      throw new IllegalStateException("not an exchange of HttpServers: " + ex);
    }
    return request;
  }

  /** The decoded path of the request, as Jetty checked it. */
  static String path(HttpExchange ex) {
    return jetty(ex).getHttpURI().getDecodedPath();
  }

  /**
   * Whether the client gave up on the request: its connection failed or was closed. Polled by long
   * computations so that they stop when nobody waits for the answer.
   *
   * <p>Jetty notices an HTTP/1 client's close only when it reads, and it does not read while a
   * handler runs; so each poll tries a non-blocking read of the connection, which sees the end of
   * the stream when the client has closed it. Bytes read that way would be a pipelined request,
   * which no client of these servers sends: polling stops then, and the connection is closed after
   * the answer so that the lost bytes cannot be misread.
   *
   * <p>Call only from one thread at a time and only before the answer is sent.
   */
  static BooleanSupplier clientGone(HttpExchange ex) {
    Request r = jetty(ex);
    AtomicBoolean gone = new AtomicBoolean();
    // The idle timeout guards reads of requests; a long computation is no idle client.
    r.addIdleTimeoutListener(t -> false);
    r.addFailureListener(
        t -> {
          if (!(t instanceof TimeoutException)) {
            gone.set(true);
          }
        });
    EndPoint endPoint = r.getConnectionMetaData().getConnection().getEndPoint();
    ByteBuffer probe = BufferUtil.allocate(64);
    boolean[] sawBytes = {false};
    return () -> {
      if (gone.get() || !endPoint.isOpen()) {
        return true;
      }
      if (sawBytes[0]) {
        return false;
      }
      try {
        int n = endPoint.fill(probe);
        if (n < 0) {
          gone.set(true);
        } else if (n > 0) {
          sawBytes[0] = true;
          BufferUtil.clear(probe);
          ex.getResponseHeaders().set("Connection", "close");
        }
      } catch (IOException e) {
        gone.set(true);
      }
      return gone.get();
    };
  }

  /**
   * The decoded query parameters, each at most once and each one of {@code accepted}.
   *
   * @throws InvalidParameterException naming a parameter that is repeated, unknown or badly escaped
   */
  static Map<String, String> query(HttpExchange ex, Set<String> accepted) {
    String raw = jetty(ex).getHttpURI().getQuery();
    Map<String, String> q = new HashMap<>();
    if (raw == null || raw.isEmpty()) {
      return q;
    }
    for (String pair : raw.split("&", -1)) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String k = decode(null, eq < 0 ? pair : pair.substring(0, eq));
      String v = eq < 0 ? "" : decode(k, pair.substring(eq + 1));
      if (!accepted.contains(k)) {
        throw new InvalidParameterException(
            k,
            k
                + ": unknown parameter (expected "
                + (accepted.isEmpty()
                    ? "none"
                    : "one of: " + String.join(", ", new TreeSet<>(accepted)))
                + ")");
      }
      if (q.putIfAbsent(k, v) != null) {
        throw new InvalidParameterException(k, k + ": given more than once (expected: once)");
      }
    }
    return q;
  }

  private static String decode(String parameter, String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      String name = parameter != null ? parameter : s;
      throw new InvalidParameterException(
          name, name + ": '" + s + "' (expected: valid %-escapes, like %2D)");
    }
  }

  /** Whether the method is {@code GET} or {@code HEAD} (answered like a GET, without its body). */
  static boolean isGet(String method) {
    return method.equals("GET") || method.equals("HEAD");
  }

  /** Sends a whole answer; a HEAD request gets the headers alone. */
  static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    if (ex.getRequestMethod().equals("HEAD")) {
      ex.getResponseHeaders().set("Content-Length", Integer.toString(body.length));
      ex.sendResponseHeaders(status, -1);
      ex.getResponseBody().close();
      return;
    }
    ex.sendResponseHeaders(status, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  /**
   * Sends a JSON error: {@code {"error":..., "parameter":..., "message":...}}, without the
   * parameter when it is {@code null}.
   */
  static void sendError(HttpExchange ex, int status, String error, String parameter, String message)
      throws IOException {
    send(ex, status, "application/json", errorBody(error, parameter, message));
  }

  static byte[] errorBody(String error, String parameter, String message) {
    StringBuilder json = new StringBuilder("{\"error\":").append(Json.quote(error));
    if (parameter != null) {
      json.append(",\"parameter\":").append(Json.quote(parameter));
    }
    json.append(",\"message\":").append(Json.quote(message)).append('}');
    return json.toString().getBytes(StandardCharsets.UTF_8);
  }
}
