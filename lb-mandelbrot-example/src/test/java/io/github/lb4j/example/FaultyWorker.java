package io.github.lb4j.example;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP worker on 127.0.0.1 that passes {@code /health} and answers tiles wrongly in one way,
 * as a broken or hostile worker would. Thread safe.
 */
final class FaultyWorker implements AutoCloseable {

  /** How tiles are answered. */
  enum Fault {
    /**
     * Holds the token and signs its answers, but every other count is wrong, within [1, maxIter].
     */
    WRONG_COUNTS,
    /** Right counts and checksum, signed under a token that is not the workers'. */
    FORGED_SIGNATURE,
    /** Right counts, signed, with a checksum that does not match the body. */
    BAD_CHECKSUM,
    /**
     * Holds the token and signs its answers, with the right checksum, but the last pixel's count is
     * above the iteration limit.
     */
    COUNT_ABOVE_LIMIT,
    /** A 500 at once for every tile. */
    BLACK_HOLE
  }

  private final HttpServer server;
  private final Fault fault;
  private final TileAuth auth;
  private final AtomicInteger tileRequests = new AtomicInteger();

  /** Starts one; {@code auth} is the token it signs with (a wrong one for a forger). */
  FaultyWorker(Fault fault, TileAuth auth) throws IOException {
    this.fault = fault;
    this.auth = auth;
    this.server =
        HttpServers.create("faulty-worker", "127.0.0.1", 0, HttpServers.Limits.defaults());
    server.createContext(
        "/health",
        ex -> {
          try (ex) {
            answer(
                ex,
                200,
                "application/json",
                "{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8));
          }
        });
    server.createContext("/tile", this::tile);
    server.start();
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Tile requests received so far. */
  int tileRequests() {
    return tileRequests.get();
  }

  private void tile(HttpExchange ex) throws IOException {
    try (ex) {
      tileRequests.incrementAndGet();
      if (fault == Fault.BLACK_HOLE) {
        answer(
            ex,
            500,
            "application/json",
            "{\"error\":\"black hole\"}".getBytes(StandardCharsets.UTF_8));
        return;
      }
      Map<String, String> q =
          HttpServers.query(
              ex,
              Set.of("reMin", "reMax", "imMin", "imMax", "width", "height", "maxIter", "format"));
      TileSpec spec =
          new TileSpec(
              Double.parseDouble(q.get("reMin")),
              Double.parseDouble(q.get("reMax")),
              Double.parseDouble(q.get("imMin")),
              Double.parseDouble(q.get("imMax")),
              Integer.parseInt(q.get("width")),
              Integer.parseInt(q.get("height")),
              Integer.parseInt(q.get("maxIter")));
      int[] counts = Mandelbrot.iterate(spec);
      if (fault == Fault.WRONG_COUNTS) {
        for (int i = 0; i < counts.length; i += 2) {
          counts[i] = counts[i] % spec.maxIter() + 1; // still in [1, maxIter], never the right one
        }
      }
      if (fault == Fault.COUNT_ABOVE_LIMIT) {
        counts[counts.length - 1] = spec.maxIter() + 1;
      }
      byte[] body = TileCodec.encodeRaw(counts);
      ex.getResponseHeaders()
          .set(
              TileVerifier.CHECKSUM_HEADER,
              fault == Fault.BAD_CHECKSUM ? "crc32c=00000000" : TileVerifier.checksum(body));
      ex.getResponseHeaders().set(TileAuth.SIGNATURE_HEADER, auth.sign(spec, body));
      answer(ex, 200, TileCodec.RAW_TYPE, body);
    }
  }

  private static void answer(HttpExchange ex, int status, String type, byte[] body)
      throws IOException {
    ex.getResponseHeaders().set(WorkerServer.WORKER_ID_HEADER, "faulty");
    HttpServers.send(ex, status, type, body);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
