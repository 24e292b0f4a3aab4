package io.github.lb4j.core;

import io.github.lb4j.Endpoint;
import io.github.lb4j.HealthProbe;
import java.io.IOException;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * The built-in probe: {@code GET} on a path of the endpoint's address with OkHttp; a 2xx answer is
 * healthy, any other answer or an I/O error is not. The call is asynchronous, so probing many
 * endpoints takes no thread per endpoint; cancelling the returned future cancels the call.
 *
 * <p>Closing releases the client's threads and connections when this probe created the client, and
 * nothing when the user supplied it. Thread safe.
 */
final class HttpHealthProbe implements HealthProbe, AutoCloseable {
  private final OkHttpClient client;
  private final String path;
  private final boolean ownsClient;

  HttpHealthProbe(OkHttpClient client, String path, boolean ownsClient) {
    this.client = client;
    this.path = path;
    this.ownsClient = ownsClient;
  }

  /** The URL probed for {@code endpoint}: its address with the path replaced. */
  URI target(Endpoint endpoint) {
    return endpoint.address().resolve(path);
  }

  @Override
  public CompletionStage<Boolean> probe(Endpoint endpoint) {
    Request request =
        new Request.Builder().url(target(endpoint).toString()).get()
            .header("User-Agent", "lb4j-health-check").build();
    Call call = client.newCall(request);
    CompletableFuture<Boolean> result = new CompletableFuture<>();
    result.whenComplete((ok, error) -> {
      if (result.isCancelled()) {
        call.cancel();
      }
    });
    call.enqueue(
        new Callback() {
          @Override
          public void onResponse(Call c, Response response) {
            try (response) {
              if (response.isSuccessful()) {
                result.complete(true);
              } else {
                result.completeExceptionally(
                    new IOException("HTTP " + response.code() + " from " + request.url()));
              }
            }
          }

          @Override
          public void onFailure(Call c, IOException e) {
            result.completeExceptionally(e);
          }
        });
    return result;
  }

  @Override
  public void close() {
    if (ownsClient) {
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    }
  }

  @Override
  public String toString() {
    return "HTTP GET " + path;
  }
}
