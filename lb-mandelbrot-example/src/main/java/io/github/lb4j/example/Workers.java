package io.github.lb4j.example;

import io.github.lb4j.Endpoint;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/** Starts local workers, or parses worker URLs, into balancer endpoints. */
final class Workers implements AutoCloseable {
  final List<WorkerServer> started = new ArrayList<>();
  final List<Endpoint> endpoints = new ArrayList<>();

  /** Starts {@code n} workers on 127.0.0.1 with ephemeral ports; the first {@code slowCount} slowed. */
  static Workers start(int n, int threadsEach, int slowCount, double slowFactor) throws IOException {
    Workers w = new Workers();
    try {
      for (int i = 1; i <= n; i++) {
        WorkerServer s =
            WorkerServer.start(
                "127.0.0.1", 0, "worker-" + i, threadsEach, i <= slowCount ? slowFactor : 1);
        w.started.add(s);
        w.endpoints.add(Endpoint.of(s.id(), s.uri()));
      }
    } catch (IOException | RuntimeException e) {
      w.close();
      throw e;
    }
    return w;
  }

  /** Endpoints for comma-separated worker URLs, each id being its URL. */
  static Workers remote(List<String> urls) {
    Workers w = new Workers();
    for (String url : urls) {
      URI uri;
      try {
        uri = URI.create(url.trim());
      } catch (IllegalArgumentException e) {
        uri = null;
      }
      if (uri == null || !"http".equals(uri.getScheme()) || uri.getHost() == null) {
        throw new InvalidParameterException(
            "worker-urls", "worker-urls: '" + url + "' (expected: http://host:port)");
      }
      Endpoint e = Endpoint.of(url.trim());
      if (w.endpoints.contains(e)) {
        throw new InvalidParameterException(
            "worker-urls", "worker-urls: '" + url + "' (expected: each URL once)");
      }
      w.endpoints.add(e);
    }
    return w;
  }

  @Override
  public void close() {
    for (WorkerServer s : started) {
      s.close();
    }
  }
}
