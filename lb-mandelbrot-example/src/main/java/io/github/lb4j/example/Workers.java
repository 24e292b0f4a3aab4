package io.github.lb4j.example;

import io.github.lb4j.Endpoint;
import java.io.IOException;
import java.net.URI;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Starts local workers, or parses worker URLs, into balancer endpoints, with the token they hold.
 * Not thread safe.
 */
final class Workers implements AutoCloseable {
  final List<WorkerServer> started = new ArrayList<>();
  final List<Endpoint> endpoints = new ArrayList<>();

  /** The workers' token; {@code null} for none ({@code render --local}). */
  final TileAuth auth;

  /** No workers yet (they may come from discovery), holding {@code auth}'s token. */
  Workers(TileAuth auth) {
    this.auth = auth;
  }

  /**
   * Starts {@code n} workers on 127.0.0.1 with ephemeral ports; the first {@code slowCount} slowed.
   * They hold a token generated for them, known to this process only.
   */
  static Workers start(int n, int threadsEach, int slowCount, double slowFactor)
      throws IOException {
    return start(n, threadsEach, slowCount, slowFactor, WorkerServer.SlowMode.SLEEP);
  }

  /** Like {@link #start(int, int, int, double)}, the slowed workers slowed in {@code slowMode}. */
  static Workers start(
      int n, int threadsEach, int slowCount, double slowFactor, WorkerServer.SlowMode slowMode)
      throws IOException {
    return start(
        n, threadsEach, slowCount, slowFactor, slowMode, TileAuth.generate(new SecureRandom()));
  }

  /** Like {@link #start(int, int, int, double)}, the workers holding {@code auth}'s token. */
  static Workers start(int n, int threadsEach, int slowCount, double slowFactor, TileAuth auth)
      throws IOException {
    return start(n, threadsEach, slowCount, slowFactor, WorkerServer.SlowMode.SLEEP, auth);
  }

  /**
   * Like {@link #start(int, int, int, double, TileAuth)}, the slowed workers slowed in {@code
   * slowMode}.
   */
  static Workers start(
      int n,
      int threadsEach,
      int slowCount,
      double slowFactor,
      WorkerServer.SlowMode slowMode,
      TileAuth auth)
      throws IOException {
    Workers w = new Workers(auth);
    try {
      for (int i = 1; i <= n; i++) {
        WorkerServer s =
            WorkerServer.start(
                "127.0.0.1",
                0,
                "worker-" + i,
                threadsEach,
                i <= slowCount ? slowFactor : 1,
                w.auth);
        s.slowMode(slowMode);
        w.started.add(s);
        w.endpoints.add(Endpoint.of(s.id(), s.uri()));
      }
    } catch (IOException | RuntimeException e) {
      w.close();
      throw e;
    }
    return w;
  }

  /**
   * Endpoints for comma-separated worker URLs, each id being its URL, holding {@code auth}'s token,
   * which is asked for once the URLs are known to be good.
   */
  static Workers remote(List<String> urls, Supplier<TileAuth> auth) {
    List<Endpoint> endpoints = new ArrayList<>();
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
      if (endpoints.contains(e)) {
        throw new InvalidParameterException(
            "worker-urls", "worker-urls: '" + url + "' (expected: each URL once)");
      }
      endpoints.add(e);
    }
    Workers w = new Workers(auth.get());
    w.endpoints.addAll(endpoints);
    return w;
  }

  @Override
  public void close() {
    for (WorkerServer s : started) {
      s.close();
    }
  }
}
