package io.github.lb4j.jdkhttp;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Optional;

/**
 * A request carrying an affinity key, which {@link HttpRequest} has no place for: everything else
 * is the wrapped request's. Only {@link LoadBalancedHttpClient} reads the key; it sends a copy
 * without the wrapper. Immutable.
 */
final class KeyedRequest extends HttpRequest {
  final HttpRequest request;
  final String key;

  KeyedRequest(HttpRequest request, String key) {
    this.request = request;
    this.key = key;
  }

  @Override
  public Optional<BodyPublisher> bodyPublisher() {
    return request.bodyPublisher();
  }

  @Override
  public String method() {
    return request.method();
  }

  @Override
  public Optional<Duration> timeout() {
    return request.timeout();
  }

  @Override
  public boolean expectContinue() {
    return request.expectContinue();
  }

  @Override
  public URI uri() {
    return request.uri();
  }

  @Override
  public Optional<HttpClient.Version> version() {
    return request.version();
  }

  @Override
  public HttpHeaders headers() {
    return request.headers();
  }

  @Override
  public String toString() {
    return request + " key " + key;
  }
}
