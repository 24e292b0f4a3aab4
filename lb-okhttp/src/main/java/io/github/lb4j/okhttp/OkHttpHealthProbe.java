package io.github.lb4j.okhttp;

import io.github.lb4j.Endpoint;
import io.github.lb4j.HealthProbe;
import io.github.lb4j.internal.HttpProbes;
import java.io.IOException;
import java.net.URI;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * An active health probe on OkHttp, for applications whose calls go through OkHttp and whose probes
 * should too (same connection pool, TLS, proxy, DNS and interceptors):
 *
 * <pre>{@code
 * Balancer balancer = Balancers.builder()
 *     .endpoints("http://10.0.0.1:8080", "http://10.0.0.2:8080")
 *     .healthCheck(h -> h.probe(OkHttpHealthProbe.of(client, "/health")))
 *     .build();
 * }</pre>
 *
 * <p>A probe is {@code GET} on the path of the endpoint's address, asynchronous (no thread per
 * endpoint): a 2xx answer is healthy; any other answer, a redirect included, and any I/O error are
 * not. The probe uses a client derived from the given one that neither follows redirects nor
 * retries a failed connection, so one answer decides. The health checker's timeout bounds each
 * probe: when it runs out, the checker cancels the probe and with it the call. Give the health
 * check a timeout shorter than the client's call timeout, if the client has one.
 *
 * <p>The given client stays the caller's: the probe shares its dispatcher and connection pool and
 * closes neither. Threading: thread safe; one probe may serve many balancers.
 */
public final class OkHttpHealthProbe implements HealthProbe {
  private final OkHttpClient client;
  private final String path;

  private OkHttpHealthProbe(OkHttpClient client, String path) {
    this.client = client;
    this.path = path;
  }

  /**
   * A probe asking {@code path} of each endpoint through {@code client}.
   *
   * @param client the client to share; not modified
   * @param path an absolute path such as {@code /health} or {@code /ready?deep=false}, resolved
   *     against each endpoint's address
   * @return the probe
   * @throws IllegalArgumentException when {@code path} is not an absolute path without spaces
   */
  public static OkHttpHealthProbe of(OkHttpClient client, String path) {
    Objects.requireNonNull(client, "client");
    HttpProbes.path(path);
    OkHttpClient probing =
        client
            .newBuilder()
            .retryOnConnectionFailure(false)
            .followRedirects(false)
            .followSslRedirects(false)
            .build();
    return new OkHttpHealthProbe(probing, path);
  }

  /** The URL probed for {@code endpoint}: its address with the path replaced. */
  URI target(Endpoint endpoint) {
    return HttpProbes.target(endpoint, path);
  }

  @Override
  public CompletionStage<Boolean> probe(Endpoint endpoint) {
    URI target = target(endpoint);
    Request request =
        new Request.Builder()
            .url(target.toString())
            .get()
            .header("User-Agent", HttpProbes.USER_AGENT)
            .build();
    Call call = client.newCall(request);
    CompletableFuture<Boolean> result = new CompletableFuture<>();
    // The stage whenComplete returns only mirrors the future it listens to; nothing waits on it.
    CompletableFuture<Boolean> unused =
        result.whenComplete(
            (ok, error) -> {
              if (result.isCancelled()) {
                call.cancel();
              }
            });
    call.enqueue(
        new Callback() {
          @Override
          public void onResponse(Call c, Response response) {
            try (response) {
              if (HttpProbes.healthy(response.code())) {
                result.complete(true);
              } else {
                result.completeExceptionally(HttpProbes.unhealthy(response.code(), target));
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
  public String toString() {
    return "OkHttp GET " + path;
  }
}
