package io.github.lb4j.core;

import io.github.lb4j.Endpoint;
import io.github.lb4j.HealthProbe;
import io.github.lb4j.LoadReport;
import io.github.lb4j.internal.HttpProbes;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * The built-in probe: {@code GET} on a path of the endpoint's address with the JDK's {@link
 * HttpClient}; a 2xx answer is healthy, any other answer or an I/O error is not. Each request times
 * out after the probe timeout. A redirect is never healthy: when the client follows redirects, the
 * verdict is still on the endpoint's own first answer. The call is asynchronous, so probing many
 * endpoints takes no thread per endpoint; cancelling the returned future cancels the request. An
 * answer's {@value LoadReport#HEADER} header, when it has one, is handed to the balancer as the
 * endpoint's load report, whatever the verdict.
 *
 * <p>Closing cancels the probes in flight. A client this probe created is closed too where the JDK
 * can close one (Java 21 and later); on Java 17 its daemon threads end once it is unreachable. A
 * client the user supplied is left open. Thread safe.
 */
final class HttpHealthProbe implements HealthProbe, AutoCloseable {
  private final HttpClient client;
  private final String path;
  private final Duration timeout;
  private final boolean ownsClient;
  private final Set<CompletableFuture<?>> inFlight = ConcurrentHashMap.newKeySet();
  // Told of each answer's load report header, or null.
  private final BiConsumer<Endpoint, String> loadHeaders;

  HttpHealthProbe(HttpClient client, String path, Duration timeout, boolean ownsClient) {
    this(client, path, timeout, ownsClient, null);
  }

  /**
   * @param loadHeaders told of the {@value LoadReport#HEADER} header of each answer that has one
   *     (an endpoint reporting its load in its health answer), or {@code null}
   */
  HttpHealthProbe(
      HttpClient client,
      String path,
      Duration timeout,
      boolean ownsClient,
      BiConsumer<Endpoint, String> loadHeaders) {
    this.client = client;
    this.path = path;
    this.timeout = timeout;
    this.ownsClient = ownsClient;
    this.loadHeaders = loadHeaders;
  }

  /** The URL probed for {@code endpoint}: its address with the path replaced. */
  URI target(Endpoint endpoint) {
    return HttpProbes.target(endpoint, path);
  }

  @Override
  // inFlight holds futures by identity (Object's equals), which is what tracking them needs.
  @SuppressWarnings("CollectionUndefinedEquality")
  public CompletionStage<Boolean> probe(Endpoint endpoint) {
    URI target = target(endpoint);
    HttpRequest request =
        HttpRequest.newBuilder(target)
            .GET()
            .timeout(timeout)
            .header("User-Agent", HttpProbes.USER_AGENT)
            .build();
    CompletableFuture<HttpResponse<Void>> call =
        client.sendAsync(request, HttpResponse.BodyHandlers.discarding());
    inFlight.add(call);
    CompletableFuture<Boolean> result =
        call.handle(
            (response, error) -> {
              if (error != null) {
                throw new CompletionException(explained(error, target));
              }
              HttpResponse<Void> first = response;
              while (first.previousResponse().isPresent()) {
                first = first.previousResponse().get(); // the endpoint's own answer
              }
              if (loadHeaders != null) {
                Optional<String> load = first.headers().firstValue(LoadReport.HEADER);
                if (load.isPresent()) {
                  loadHeaders.accept(endpoint, load.get());
                }
              }
              if (!HttpProbes.healthy(first.statusCode())) {
                throw new CompletionException(HttpProbes.unhealthy(first.statusCode(), target));
              }
              return true;
            });
    // The stage whenComplete returns only mirrors the future it listens to; nothing waits on it.
    CompletableFuture<Boolean> unused =
        result.whenComplete(
            (ok, error) -> {
              inFlight.remove(call);
              if (result.isCancelled()) {
                call.cancel(true); // the JDK aborts the exchange
              }
            });
    return result;
  }

  /**
   * The failure to report, with a message for the logs: the JDK's client reports, for instance, a
   * refused connection as a {@code ConnectException} without one.
   */
  private static Throwable explained(Throwable error, URI target) {
    Throwable e =
        error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    return e.getMessage() != null
        ? e
        : new IOException(e.getClass().getSimpleName() + " on GET " + target, e);
  }

  @Override
  public void close() {
    for (CompletableFuture<?> call : inFlight) {
      call.cancel(true);
    }
    if (ownsClient && client instanceof AutoCloseable closeable) { // HttpClient.close(): Java 21+
      try {
        closeable.close();
      } catch (Exception e) {
        throw new IllegalStateException("closing the probe's HTTP client failed", e);
      }
    }
  }

  @Override
  public String toString() {
    return "HTTP GET " + path;
  }
}
