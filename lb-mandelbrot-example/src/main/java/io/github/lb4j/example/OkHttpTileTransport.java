package io.github.lb4j.example;

import io.github.lb4j.Endpoint;
import io.github.lb4j.scatter.Transport;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * Fetches a tile's raw counts from a worker with an asynchronous OkHttp call. Anything but a 200
 * answer of the raw type, from a worker that names itself, with exactly the tile's counts, fails the
 * attempt. Cancelling the returned future cancels the call.
 */
final class OkHttpTileTransport implements Transport<TileSpec, int[]> {
  private final OkHttpClient client;

  OkHttpTileTransport(OkHttpClient client) {
    this.client = client;
  }

  @Override
  public CompletableFuture<int[]> send(Endpoint endpoint, TileSpec spec) {
    HttpUrl url = HttpUrl.get(endpoint.address().resolve("/tile?" + spec.toQuery()).toString());
    Call call = client.newCall(new Request.Builder().url(url).get().build());
    CompletableFuture<int[]> future = new CompletableFuture<>();
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
            try (response) {
              future.complete(decode(endpoint, spec, response));
            } catch (IOException | RuntimeException e) {
              future.completeExceptionally(e);
            }
          }
        });
    return future;
  }

  private static int[] decode(Endpoint endpoint, TileSpec spec, Response response)
      throws IOException {
    ResponseBody body = response.body();
    if (response.code() != 200) {
      throw new IOException("HTTP " + response.code() + " from " + endpoint.id());
    }
    String type = response.header("Content-Type", "");
    if (!type.startsWith(TileCodec.RAW_TYPE)) {
      throw new IOException("content type '" + type + "' from " + endpoint.id()
          + " (expected: " + TileCodec.RAW_TYPE + ")");
    }
    if (response.header(WorkerServer.WORKER_ID_HEADER) == null) {
      throw new IOException("no " + WorkerServer.WORKER_ID_HEADER + " header from " + endpoint.id());
    }
    byte[] bytes = body == null ? new byte[0] : body.bytes();
    try {
      return TileCodec.decodeRaw(bytes, spec);
    } catch (IllegalArgumentException e) {
      throw new IOException("bad tile from " + endpoint.id() + ": " + e.getMessage(), e);
    }
  }
}
