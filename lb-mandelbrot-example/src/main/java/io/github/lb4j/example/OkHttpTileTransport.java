package io.github.lb4j.example;

import io.github.lb4j.Endpoint;
import io.github.lb4j.Lease;
import io.github.lb4j.LoadReport;
import io.github.lb4j.scatter.Transport;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches a tile's raw counts from a worker with an asynchronous OkHttp call. Anything but a 200
 * answer of the raw type, from a worker that names itself, with the body's checksum, signed with
 * the workers' token, with exactly the tile's counts and passing the spot check, fails the attempt,
 * so no unverified tile reaches scatter-gather's result or a tile listener (and so the cache); the
 * failure is reported to the attempt's lease, which lets outlier detection eject a worker that
 * keeps answering wrong. The client must add the token to its requests ({@link
 * TileAuth#interceptor()}). Cancelling the returned future cancels the call, which closes its
 * connection: the worker sees its client gone and stops computing the tile. The load a worker
 * reports with its answer ({@value LoadReport#HEADER}) is handed to the attempt's lease, for the
 * reported-load picker.
 *
 * <p>The body is read once into a byte array, which every check reads and the result keeps ({@link
 * TileCounts}): no array of counts is made.
 *
 * <p>Thread safe.
 */
final class OkHttpTileTransport implements Transport<TileSpec, TileCounts> {
  private static final Logger log = LoggerFactory.getLogger(OkHttpTileTransport.class);

  private final OkHttpClient client;
  private final TileAuth auth;
  private final TileVerifier verifier;
  // Each endpoint's address parsed once, not with every tile's URL.
  private static final int MAX_BASES = 4 * Cluster.MAX_WORKERS;
  private final Map<String, HttpUrl> bases = new ConcurrentHashMap<>();

  OkHttpTileTransport(OkHttpClient client, TileAuth auth, TileVerifier verifier) {
    this.client = client;
    this.auth = auth;
    this.verifier = verifier;
  }

  @Override
  public CompletableFuture<TileCounts> send(Endpoint endpoint, TileSpec spec) {
    return send(endpoint, spec, null);
  }

  @Override
  public CompletableFuture<TileCounts> send(Lease lease, TileSpec spec) {
    return send(lease.endpoint(), spec, lease);
  }

  private CompletableFuture<TileCounts> send(Endpoint endpoint, TileSpec spec, Lease lease) {
    if (bases.size() > MAX_BASES) {
      bases.clear(); // workers come and go under discovery: keep the map bounded
    }
    String query = spec.toQuery(); // for the URL and the signature check: formatted once
    HttpUrl url =
        bases
            .computeIfAbsent(endpoint.address().toString(), HttpUrl::get)
            .newBuilder()
            .encodedPath("/tile")
            .encodedQuery(query)
            .build();
    Call call = client.newCall(new Request.Builder().url(url).get().build());
    CompletableFuture<TileCounts> future = new CompletableFuture<>();
    // The stage whenComplete returns only mirrors the future it listens to; nothing waits on it.
    CompletableFuture<TileCounts> unused =
        future.whenComplete(
            (r, e) -> {
              if (future.isCancelled()) {
                call.cancel();
              }
            });
    call.enqueue(
        new Callback() {
          @Override
          public void onFailure(Call c, IOException e) {
            future.completeExceptionally(e);
          }

          @Override
          public void onResponse(Call c, Response response) {
            if (lease != null) {
              // Ignored when missing; counted on the endpoint, never thrown, when malformed.
              lease.reportLoadHeader(response.header(LoadReport.HEADER));
            }
            try (response) {
              future.complete(decode(endpoint, spec, query, response));
            } catch (IOException | RuntimeException e) {
              future.completeExceptionally(e);
            }
          }
        });
    return future;
  }

  private TileCounts decode(Endpoint endpoint, TileSpec spec, String query, Response response)
      throws IOException {
    ResponseBody body = response.body();
    if (response.code() == 401) {
      throw new IOException(
          "HTTP 401 from "
              + endpoint.id()
              + ": the worker refused our token"
              + " (expected: the workers' token, from --token-file or "
              + TileAuth.ENV
              + ")");
    }
    if (response.code() != 200) {
      throw new IOException("HTTP " + response.code() + " from " + endpoint.id());
    }
    String type = response.header("Content-Type", "");
    if (!type.startsWith(TileCodec.RAW_TYPE)) {
      throw new IOException(
          "content type '"
              + type
              + "' from "
              + endpoint.id()
              + " (expected: "
              + TileCodec.RAW_TYPE
              + ")");
    }
    if (response.header(WorkerServer.WORKER_ID_HEADER) == null) {
      throw new IOException(
          "no " + WorkerServer.WORKER_ID_HEADER + " header from " + endpoint.id());
    }
    byte[] bytes = body == null ? new byte[0] : body.bytes();
    String checksum = response.header(TileVerifier.CHECKSUM_HEADER);
    if (!TileVerifier.checksumMatches(checksum, bytes)) {
      throw rejected(
          endpoint,
          TileVerifier.CHECKSUM_HEADER
              + ": "
              + checksum
              + " (expected: "
              + TileVerifier.checksum(bytes)
              + ", the body's)");
    }
    if (!auth.verify(query, bytes, response.header(TileAuth.SIGNATURE_HEADER))) {
      throw rejected(
          endpoint,
          TileAuth.SIGNATURE_HEADER
              + " missing or wrong (expected: the answer signed with the workers' token)");
    }
    TileCounts counts;
    try {
      counts = TileCounts.verify(bytes, spec);
    } catch (IllegalArgumentException e) {
      throw new IOException("bad tile from " + endpoint.id() + ": " + e.getMessage(), e);
    }
    String wrong = verifier.spotCheck(counts);
    if (wrong != null) {
      throw rejected(endpoint, "spot check failed at " + wrong);
    }
    return counts;
  }

  /** An answer that fails verification: worth a warning, since the worker is broken or hostile. */
  private static IOException rejected(Endpoint endpoint, String why) {
    IOException e = new IOException("tile from " + endpoint.id() + " rejected: " + why);
    log.warn(e.getMessage());
    return e;
  }
}
