package io.github.lb4j.example;

import io.github.lb4j.Endpoint;
import java.io.IOException;
import java.net.URI;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Starts local workers (in this process, or as child processes with {@code --processes}), or parses
 * worker URLs, into balancer endpoints, with the token they hold. Not thread safe.
 */
final class Workers implements AutoCloseable {
  final List<LocalWorker> started = new ArrayList<>();
  final List<Endpoint> endpoints = new ArrayList<>();

  /** The workers' token; {@code null} for none ({@code render --local}). */
  final TileAuth auth;

  /** Whether local workers, those started and those started later, are child processes. */
  final boolean processes;

  /** Compute threads of each local worker. */
  final int threadsEach;

  /** No workers yet (they may come from discovery), holding {@code auth}'s token. */
  Workers(TileAuth auth) {
    this(auth, false, 1);
  }

  private Workers(TileAuth auth, boolean processes, int threadsEach) {
    this.auth = auth;
    this.processes = processes;
    this.threadsEach = threadsEach;
  }

  /** Starts one more worker of the kind these are, at full speed, not added to this set. */
  LocalWorker startAnother(String id) throws IOException {
    return startOne(id, threadsEach, 1, WorkerServer.SlowMode.SLEEP, auth, processes);
  }

  private static LocalWorker startOne(
      String id,
      int threads,
      double slowFactor,
      WorkerServer.SlowMode slowMode,
      TileAuth auth,
      boolean process)
      throws IOException {
    if (process) {
      return WorkerProcess.launch(id, threads, slowFactor, slowMode, auth)
          .await(WorkerProcess.START_TIMEOUT);
    }
    WorkerServer s = WorkerServer.start("127.0.0.1", 0, id, threads, slowFactor, auth);
    s.slowMode(slowMode);
    return s;
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
        n,
        threadsEach,
        slowCount,
        slowFactor,
        slowMode,
        TileAuth.generate(new SecureRandom()),
        false);
  }

  /** Like {@link #start(int, int, int, double)}, the workers holding {@code auth}'s token. */
  static Workers start(int n, int threadsEach, int slowCount, double slowFactor, TileAuth auth)
      throws IOException {
    return start(n, threadsEach, slowCount, slowFactor, auth, false);
  }

  /**
   * Like {@link #start(int, int, int, double, TileAuth)}, each worker in a child process of its own
   * when {@code processes} is true ({@link WorkerProcess}).
   */
  static Workers start(
      int n, int threadsEach, int slowCount, double slowFactor, TileAuth auth, boolean processes)
      throws IOException {
    return start(
        n, threadsEach, slowCount, slowFactor, WorkerServer.SlowMode.SLEEP, auth, processes);
  }

  /**
   * Like {@link #start(int, int, int, double, TileAuth)}, the slowed workers slowed in {@code
   * slowMode}, each worker in a child process of its own when {@code processes} is true ({@link
   * WorkerProcess}).
   */
  static Workers start(
      int n,
      int threadsEach,
      int slowCount,
      double slowFactor,
      WorkerServer.SlowMode slowMode,
      TileAuth auth,
      boolean processes)
      throws IOException {
    Workers w = new Workers(auth, processes, threadsEach);
    if (processes) {
      return w.launchAll(n, slowCount, slowFactor, slowMode);
    }
    try {
      for (int i = 1; i <= n; i++) {
        LocalWorker s =
            startOne(
                "worker-" + i,
                threadsEach,
                i <= slowCount ? slowFactor : 1,
                slowMode,
                auth,
                processes);
        w.started.add(s);
        w.endpoints.add(Endpoint.of(s.id(), s.uri()));
      }
    } catch (IOException | RuntimeException e) {
      w.close();
      throw e;
    }
    return w;
  }

  /** Starts {@code n} worker processes at once, then waits for each to listen. */
  private Workers launchAll(int n, int slowCount, double slowFactor, WorkerServer.SlowMode slowMode)
      throws IOException {
    List<WorkerProcess.Launched> launched = new ArrayList<>();
    try {
      for (int i = 1; i <= n; i++) {
        launched.add(
            WorkerProcess.launch(
                "worker-" + i, threadsEach, i <= slowCount ? slowFactor : 1, slowMode, auth));
      }
      for (WorkerProcess.Launched l : launched) {
        WorkerProcess p = l.await(WorkerProcess.START_TIMEOUT);
        started.add(p);
        endpoints.add(Endpoint.of(p.id(), p.uri()));
      }
    } catch (IOException | RuntimeException e) {
      for (WorkerProcess.Launched l : launched) {
        l.abort(); // those that listen already are closed below; killing them again is harmless
      }
      close();
      throw e;
    }
    return this;
  }

  /**
   * Endpoints for comma-separated worker URLs, each id being its URL, holding {@code auth}'s token,
   * which is asked for once the URLs are known to be good.
   */
  static Workers remote(List<String> urls, Supplier<TileAuth> auth) {
    List<Endpoint> endpoints = endpoints("worker-urls", urls);
    Workers w = new Workers(auth.get());
    w.endpoints.addAll(endpoints);
    return w;
  }

  /**
   * One endpoint per URL, its id the URL: each must be {@code http://host:port} and given once,
   * else an error naming {@code parameter}, the option the URLs came from.
   */
  static List<Endpoint> endpoints(String parameter, List<String> urls) {
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
            parameter, parameter + ": '" + url + "' (expected: http://host:port)");
      }
      Endpoint e = Endpoint.of(url.trim());
      if (endpoints.contains(e)) {
        throw new InvalidParameterException(
            parameter, parameter + ": '" + url + "' (expected: each URL once)");
      }
      endpoints.add(e);
    }
    return endpoints;
  }

  @Override
  public void close() {
    for (LocalWorker s : started) {
      s.close();
    }
  }
}
