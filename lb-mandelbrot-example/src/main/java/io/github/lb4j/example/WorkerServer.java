package io.github.lb4j.example;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Mandelbrot worker: an HTTP server answering {@code GET /tile} with a tile's iteration counts (or
 * a PNG) and {@code GET /health}. The API is described in {@code docs/worker-api.md}.
 *
 * <p>Each answer carries the worker's id in {@code X-Worker-Id}. A tile is computed only for a
 * request carrying the workers' token, and its answer carries a checksum and a signature ({@link
 * TileAuth}, {@link TileVerifier}). A slow factor {@code F > 1} makes
 * every tile answer take {@code F} times its compute time (the extra time idles, so a slowed worker
 * does not steal CPU from its neighbours on the same machine).
 *
 * <p>Threading: tiles are computed on a pool of {@code threads} threads; {@link #close()} may be
 * called from any thread and stops the worker at once, dropping the calls in flight.
 */
final class WorkerServer implements AutoCloseable {
  static final String WORKER_ID_HEADER = "X-Worker-Id";

  private final HttpServer server;
  private final ExecutorService pool;
  private final String id;
  private volatile double slowFactor;
  private final AtomicInteger tilesServed = new AtomicInteger();
  private volatile boolean closed;
  private final TileAuth auth;

  private WorkerServer(
      HttpServer server, ExecutorService pool, String id, double slowFactor, TileAuth auth) {
    this.server = server;
    this.pool = pool;
    this.id = id;
    this.slowFactor = slowFactor;
    this.auth = auth;
  }

  /**
   * Starts a worker.
   *
   * @param bind the address to listen on, such as {@code 127.0.0.1}
   * @param port the port, 0 for an ephemeral one
   * @param id the id reported in {@code X-Worker-Id}; {@code null} for {@code worker-<port>}
   * @param threads compute threads, {@code >= 1}
   * @param slowFactor {@code >= 1}; 1 for full speed
   * @param auth the token a tile request must carry, and signs the answers
   */
  static WorkerServer start(
      String bind, int port, String id, int threads, double slowFactor, TileAuth auth)
      throws IOException {
    checkOptions(port, threads, slowFactor);
    HttpServer server = HttpServers.create(new InetSocketAddress(bind, port), 64);
    AtomicInteger n = new AtomicInteger();
    String workerId = id != null ? id : "worker-" + server.getAddress().getPort();
    ExecutorService pool =
        Executors.newFixedThreadPool(
            threads,
            r -> {
              Thread t = new Thread(r, workerId + "-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    WorkerServer worker = new WorkerServer(server, pool, workerId, slowFactor, auth);
    server.setExecutor(pool);
    server.createContext("/tile", worker::tile);
    server.createContext("/health", worker::health);
    server.createContext(
        "/",
        ex -> {
          try (ex) {
            worker.error(ex, 404, "not found", null, "no such path: " + ex.getRequestURI().getPath());
          }
        });
    server.start();
    return worker;
  }

  /** Checks the numbers {@link #start} takes, in the order it checks them. */
  static void checkOptions(int port, int threads, double slowFactor) {
    TileSpec.checkRange("threads", threads, 1, 256);
    checkSlowFactor(slowFactor);
    TileSpec.checkRange("port", port, 0, 65535);
  }

  /** Checks a slow factor: {@code >= 1} and finite. */
  static double checkSlowFactor(double slowFactor) {
    if (!(slowFactor >= 1) || Double.isInfinite(slowFactor)) {
      throw new InvalidParameterException(
          "slow", "slow: " + slowFactor + " (expected: >= 1 and finite, e.g. 4)");
    }
    return slowFactor;
  }

  String id() {
    return id;
  }

  URI uri() {
    InetSocketAddress a = server.getAddress();
    return URI.create("http://" + a.getAddress().getHostAddress() + ":" + a.getPort());
  }

  int tilesServed() {
    return tilesServed.get();
  }

  /** Whether {@link #close()} was called. */
  boolean isClosed() {
    return closed;
  }

  double slowFactor() {
    return slowFactor;
  }

  /** Changes the slow factor of the tiles answered from now on; {@code >= 1}, 1 for full speed. */
  void slowFactor(double factor) {
    this.slowFactor = checkSlowFactor(factor);
  }

  /** Stops listening and drops every connection at once. Idempotent. */
  @Override
  public void close() {
    closed = true;
    server.stop(0);
    pool.shutdownNow();
  }

  private void health(HttpExchange ex) throws IOException {
    try (ex) {
      if (!ex.getRequestMethod().equals("GET")) {
        error(ex, 405, "method not allowed", null, "use GET");
        return;
      }
      send(ex, 200, "application/json",
          ("{\"status\":\"ok\",\"id\":" + Json.quote(id) + ",\"tiles\":" + tilesServed.get() + "}")
              .getBytes(StandardCharsets.UTF_8));
    }
  }

  private void tile(HttpExchange ex) throws IOException {
    try (ex) {
      if (!ex.getRequestMethod().equals("GET")) {
        error(ex, 405, "method not allowed", null, "use GET");
        return;
      }
      if (!auth.accepts(ex.getRequestHeaders().getFirst(TileAuth.AUTHORIZATION))) {
        ex.getResponseHeaders().set("WWW-Authenticate", "Bearer");
        error(ex, 401, "unauthorized", null,
            "missing or wrong token (expected: Authorization: Bearer and the workers' token)");
        return;
      }
      TileSpec spec;
      boolean png;
      try {
        Map<String, String> q = HttpServers.query(ex.getRequestURI().getRawQuery());
        spec = new TileSpec(
            number(q, "reMin"), number(q, "reMax"), number(q, "imMin"), number(q, "imMax"),
            integer(q, "width"), integer(q, "height"), integer(q, "maxIter"));
        String format = q.getOrDefault("format", "raw");
        if (!format.equals("raw") && !format.equals("png")) {
          throw new InvalidParameterException(
              "format", "format: '" + format + "' (expected: raw or png)");
        }
        png = format.equals("png");
      } catch (InvalidParameterException e) {
        error(ex, 400, "bad request", e.parameter(), e.getMessage());
        return;
      }
      long start = System.nanoTime();
      int[] counts = Mandelbrot.iterate(spec);
      byte[] body = png ? TileCodec.encodePng(counts, spec) : TileCodec.encodeRaw(counts);
      double slow = slowFactor;
      if (slow > 1) {
        long extra = (long) ((System.nanoTime() - start) * (slow - 1));
        try {
          TimeUnit.NANOSECONDS.sleep(extra);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return; // the worker is stopping
        }
      }
      tilesServed.incrementAndGet();
      ex.getResponseHeaders().set(TileVerifier.CHECKSUM_HEADER, TileVerifier.checksum(body));
      ex.getResponseHeaders().set(TileAuth.SIGNATURE_HEADER, auth.sign(spec, body));
      send(ex, 200, png ? TileCodec.PNG_TYPE : TileCodec.RAW_TYPE, body);
    } catch (RuntimeException e) {
      error(ex, 500, "internal error", null, e.getClass().getSimpleName());
    }
  }

  private void error(HttpExchange ex, int status, String error, String parameter, String message)
      throws IOException {
    ex.getResponseHeaders().set(WORKER_ID_HEADER, id);
    HttpServers.sendError(ex, status, error, parameter, message);
  }

  private void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
    ex.getResponseHeaders().set(WORKER_ID_HEADER, id);
    HttpServers.send(ex, status, type, body);
  }

  private static String required(Map<String, String> q, String name, String expected) {
    String v = q.get(name);
    if (v == null || v.isEmpty()) {
      throw new InvalidParameterException(name, name + ": missing (expected: " + expected + ")");
    }
    return v;
  }

  private static double number(Map<String, String> q, String name) {
    String v = required(q, name, "a finite number");
    double d;
    try {
      d = Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new InvalidParameterException(
          name, name + ": '" + v + "' (expected: a finite number)");
    }
    TileSpec.checkFinite(name, d);
    return d;
  }

  private static int integer(Map<String, String> q, String name) {
    String v = required(q, name, "an integer");
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new InvalidParameterException(name, name + ": '" + v + "' (expected: an integer)");
    }
  }
}
