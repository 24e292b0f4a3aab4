package io.github.lb4j.example;

import io.github.lb4j.Balancer;
import io.github.lb4j.Endpoint;
import io.github.lb4j.Lease;
import io.github.lb4j.core.BalancerBuilder;
import io.github.lb4j.core.Balancers;
import io.github.lb4j.discovery.Discovery;
import io.github.lb4j.discovery.EndpointSource;
import io.github.lb4j.discovery.Subscription;
import io.github.lb4j.dns.DnsDiscovery;
import io.github.lb4j.scatter.HedgePolicy;
import io.github.lb4j.scatter.Progress;
import io.github.lb4j.scatter.ScatterGather;
import io.github.lb4j.scatter.Task;
import io.github.lb4j.scatter.Transport;
import java.net.http.HttpClient;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Computes tiles across workers: a balancer over them, OkHttp as the transport and scatter-gather
 * for placement, retries and hedging. Every request carries the workers' token and every answer is
 * verified ({@link OkHttpTileTransport}); every cluster runs outlier detection ({@link
 * #PASSIVE_HEALTH}), so a worker that fails fast or answers wrong is ejected after a few tiles.
 */
final class Cluster implements TileSource {
  /** The most workers a cluster is sized for; matches the command line's limit. */
  static final int MAX_WORKERS = 64;

  private static final Logger log = LoggerFactory.getLogger(Cluster.class);

  /**
   * How tiles are scattered.
   *
   * @param maxAttempts attempts per tile
   * @param attemptTimeout how long one attempt may take
   * @param hedge when to send a second copy of a slow tile
   * @param perEndpoint tiles in flight at once on one worker
   */
  record Settings(int maxAttempts, Duration attemptTimeout, HedgePolicy hedge, int perEndpoint) {
    static Settings defaults() {
      return new Settings(3, Duration.ofSeconds(30), HedgePolicy.pastExpected(3).minSamples(16), 2);
    }
  }

  private final Balancer balancer;
  private final PickerName picker;
  private final OkHttpClient client;
  private final ScheduledThreadPoolExecutor scheduler;
  private final ScatterGather<TileSpec, TileCounts> scatter;
  private volatile Subscription discovery;

  /** Who hears about each tile of a batch in flight, by the identity of the batch's tile specs. */
  private final Map<TileSpec, TileListener> tileListeners =
      Collections.synchronizedMap(new IdentityHashMap<>());

  /** Hears about each tile as it arrives, with the worker that computed it. */
  @FunctionalInterface
  interface TileListener {
    /**
     * A worker answered a tile. Called on an HTTP client thread; must be quick. A hedged tile may
     * be reported twice, once per copy that answered.
     */
    void onTile(TileSpec spec, Endpoint worker, TileCounts counts);
  }

  /**
   * Passive health: a worker whose tile fails (an error, a timeout, or an answer that fails
   * verification) is ejected for 10 s, longer each time it is ejected again, for up to three
   * quarters of the workers, so that one good worker of four takes all the tiles from three that
   * fail fast. One failure, not a few: a retried tile waits for room on a worker it has not tried,
   * and a worker has room only once an attempt on it ended; when every ending is a failure that
   * ejects, no tile can spend its attempts on three broken workers (with two failures to eject, a
   * render over three fast-failing workers of four lost a tile in one test run of seven).
   */
  static final Consumer<BalancerBuilder> PASSIVE_HEALTH =
      b ->
          b.outlierDetection(
              o ->
                  o.consecutiveFailures(1)
                      .baseEjectionTime(Duration.ofSeconds(10))
                      .maxEjectedShare(0.75));

  /** A cluster over {@code workers} holding {@code auth}'s token. */
  Cluster(List<Endpoint> workers, PickerName picker, Settings settings, TileAuth auth) {
    this(workers, picker, settings, auth, b -> {});
  }

  /**
   * A cluster whose balancer is further configured by {@code monitoring}, such as {@link
   * #healthMonitoring}, with a spot-check seed from {@link SecureRandom}.
   */
  Cluster(
      List<Endpoint> workers,
      PickerName picker,
      Settings settings,
      TileAuth auth,
      Consumer<BalancerBuilder> monitoring) {
    this(
        workers,
        picker,
        settings,
        auth,
        monitoring,
        new TileVerifier(new SecureRandom().nextLong()));
  }

  /**
   * A cluster configured by {@code monitoring} after {@link #PASSIVE_HEALTH} (so it may override
   * it, to use a fake clock's scheduler for instance), spot-checking tiles with {@code verifier}.
   */
  Cluster(
      List<Endpoint> workers,
      PickerName picker,
      Settings settings,
      TileAuth auth,
      Consumer<BalancerBuilder> monitoring,
      TileVerifier verifier) {
    this.picker = picker;
    BalancerBuilder builder =
        Balancers.builder()
            .name("mandelbrot")
            .endpoints(workers)
            .picker(picker.factory())
            .timeCalls(true); // the dashboard shows each worker's latency, whatever the picker
    PASSIVE_HEALTH.accept(builder);
    monitoring.accept(builder);
    this.balancer = builder.build();
    String deadlineMs = Long.toString(settings.attemptTimeout().toMillis());
    // A finished tile's callback starts the next tile's call: it runs on the same thread.
    Dispatcher dispatcher =
        new Dispatcher(new ContinuingExecutor("render-http", 60, TimeUnit.SECONDS));
    dispatcher.setMaxRequests(256);
    dispatcher.setMaxRequestsPerHost(64);
    this.client =
        new OkHttpClient.Builder()
            .dispatcher(dispatcher)
            .connectionPool(new ConnectionPool(16, 1, TimeUnit.MINUTES))
            .connectTimeout(Duration.ofSeconds(2))
            // No read, write or call timeout of OkHttp's own: scatter-gather's attempt timeout
            // bounds every call (it cancels the call, which closes its socket), and OkHttp's would
            // take every socket read and write through its timeout thread's lock, and wake that
            // thread, about twice per tile.
            .readTimeout(Duration.ZERO)
            .writeTimeout(Duration.ZERO)
            .callTimeout(Duration.ZERO)
            .retryOnConnectionFailure(false)
            .addInterceptor(auth.interceptor())
            // The worker stops computing a tile once the attempt has timed out here.
            .addInterceptor(
                chain ->
                    chain.proceed(
                        chain
                            .request()
                            .newBuilder()
                            .header(WorkerServer.DEADLINE_HEADER, deadlineMs)
                            .build()))
            .build();
    ScheduledThreadPoolExecutor timers =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "scatter-timers");
              t.setDaemon(true);
              return t;
            });
    // Every attempt arms a timeout that is cancelled when the answer comes, long before it is due;
    // left queued, each would keep its attempt (and so the tile's counts) reachable for the whole
    // attempt timeout, filling the old generation with answers already painted.
    timers.setRemoveOnCancelPolicy(true);
    this.scheduler = timers;
    this.scatter =
        ScatterGather.builder(
                balancer, observed(new OkHttpTileTransport(client, auth, verifier)), scheduler)
            .maxAttempts(settings.maxAttempts())
            .attemptTimeout(settings.attemptTimeout())
            .hedge(settings.hedge())
            .maxInFlightPerEndpoint(settings.perEndpoint())
            // Workers may come and go (supervisor, discovery): cap per worker, not by today's
            // count.
            .maxInFlight(MAX_WORKERS * settings.perEndpoint())
            .build();
  }

  /**
   * The health probes' client, shared by every cluster: a client per cluster would outlive it on
   * Java 17 (which cannot close one) with its thread and connections, and a front end builds a
   * cluster per picker change.
   */
  private static final HttpClient PROBE_CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();

  /**
   * Active health checks every {@code interval} (two failed probes take a worker out, two passing
   * ones put it back), on top of {@link #PASSIVE_HEALTH}: a killed local worker is out within about
   * two intervals, sooner under traffic.
   */
  static Consumer<BalancerBuilder> healthMonitoring(Duration interval) {
    return b ->
        b.healthCheck(
            h ->
                h.interval(interval)
                    .timeout(Duration.ofSeconds(2))
                    .unhealthyThreshold(2)
                    .httpClient(PROBE_CLIENT));
  }

  /**
   * Keeps the balancer's membership in step with {@code source} (DNS, a file, ...) until this
   * cluster closes. The first look happens now, so known workers are members when this returns.
   */
  void follow(EndpointSource source) {
    discovery = Discovery.bind(source, balancer);
  }

  /** The forms of a {@code --discover} spec, for the commands' help. */
  static final String DISCOVER_FORMS =
      "dns:NAME:PORT[@SERVER], dns-srv:NAME[@SERVER], file:PATH or static:URL,URL...";

  /**
   * The discovery source a {@code --discover} option names, or an error naming the option.
   *
   * @throws InvalidParameterException when {@code spec} is not one of the forms of {@link
   *     DnsDiscovery#parse}
   */
  static EndpointSource discoverySource(String spec) {
    try {
      return DnsDiscovery.parse(spec);
    } catch (IllegalArgumentException e) {
      // Name the option the user typed rather than the library's parameter.
      throw new InvalidParameterException(
          "discover", e.getMessage().replaceFirst("^spec:", "discover:"));
    }
  }

  Balancer balancer() {
    return balancer;
  }

  /** The attempt timeouts and hedging timers queued, due or not (cancelled ones leave at once). */
  int queuedTimers() {
    return scheduler.getQueue().size();
  }

  @Override
  public CompletableFuture<List<TileCounts>> compute(
      List<Task<TileSpec>> tasks, Consumer<? super Progress> progress) {
    return scatter.execute(tasks, progress);
  }

  /**
   * Like {@link #compute(List, Consumer)}, and tells {@code onTile} about each tile as it arrives.
   * The tasks' specs must be instances of this batch only (as {@link View#tiles()} makes them):
   * they are told apart by identity.
   */
  CompletableFuture<List<TileCounts>> compute(
      List<Task<TileSpec>> tasks, Consumer<? super Progress> progress, TileListener onTile) {
    for (Task<TileSpec> t : tasks) {
      tileListeners.put(t.input(), onTile);
    }
    CompletableFuture<List<TileCounts>> result;
    try {
      result = scatter.execute(tasks, progress);
    } catch (RuntimeException e) {
      forget(tasks);
      throw e;
    }
    // The stage whenComplete returns only mirrors the future it listens to; nothing waits on it.
    CompletableFuture<List<TileCounts>> unused = result.whenComplete((r, e) -> forget(tasks));
    return result;
  }

  private void forget(List<Task<TileSpec>> tasks) {
    for (Task<TileSpec> t : tasks) {
      tileListeners.remove(t.input());
    }
  }

  private Transport<TileSpec, TileCounts> observed(Transport<TileSpec, TileCounts> transport) {
    return new Transport<>() {
      @Override
      public CompletableFuture<TileCounts> send(Endpoint endpoint, TileSpec spec) {
        return relay(endpoint, spec, transport.send(endpoint, spec));
      }

      @Override
      public CompletableFuture<TileCounts> send(Lease lease, TileSpec spec) {
        return relay(lease.endpoint(), spec, transport.send(lease, spec)); // keeps load reports
      }
    };
  }

  /** {@code f}, its result told to the listener of {@code spec}'s batch first, if it has one. */
  private CompletableFuture<TileCounts> relay(
      Endpoint endpoint, TileSpec spec, CompletableFuture<TileCounts> f) {
    TileListener l = tileListeners.get(spec);
    if (l == null) {
      return f;
    }
    // Tell the listener before scatter-gather sees the result, so a batch's last tile has been
    // reported when the batch completes.
    CompletableFuture<TileCounts> out = new CompletableFuture<>();
    // The stage whenComplete returns only mirrors the future it listens to; nothing waits on it.
    CompletableFuture<TileCounts> unusedRelay =
        f.whenComplete(
            (counts, e) -> {
              if (e != null) {
                out.completeExceptionally(e);
                return;
              }
              try {
                l.onTile(spec, endpoint, counts);
              } catch (RuntimeException le) {
                log.warn("tile listener threw", le);
              }
              out.complete(counts);
            });
    CompletableFuture<TileCounts> unusedCancel =
        out.whenComplete(
            (r, e) -> {
              if (out.isCancelled()) {
                f.cancel(true);
              }
            });
    return out;
  }

  @Override
  public String describe() {
    int n = balancer.endpoints().size();
    return n + " worker" + (n == 1 ? "" : "s") + ", " + picker;
  }

  @Override
  public void close() {
    Subscription d = discovery;
    if (d != null) {
      d.close();
    }
    balancer.close();
    scheduler.shutdownNow();
    client.dispatcher().cancelAll();
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }
}
