package io.github.lb4j.example;

import io.github.lb4j.Balancer;
import io.github.lb4j.BalancerListener;
import io.github.lb4j.Endpoint;
import io.github.lb4j.HealthState;
import io.github.lb4j.PickerFactory;
import io.github.lb4j.Ticker;
import io.github.lb4j.core.BalancerBuilder;
import io.github.lb4j.core.Balancers;
import io.github.lb4j.core.KeyHashers;
import io.github.lb4j.core.Pickers;
import io.github.lb4j.okhttp.OkHttpHealthProbe;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;

/**
 * The balance-quality experiments: how evenly each picker spreads requests over local workers (A-1,
 * A-2), what a killed worker costs, and what the hash functions of consistent hashing change
 * . Every load number is counted by the workers themselves, over real HTTP.
 *
 * <p>Threading: one report runs on the caller's thread; not for concurrent use.
 */
final class BalanceReport {

  /**
   * The size of a report.
   *
   * @param requests requests per run
   * @param minWorkers the fewest workers of A-2
   * @param maxWorkers the most workers of A-2
   * @param a1Workers the workers of and the key-movement measure; within the A-2 range
   * @param concurrency requests in flight at once
   * @param remapKeys keys whose endpoint is compared when a worker is added and removed
   * @param seed the seed of request ids and of the random pickers
   */
  record Settings(
      int requests,
      int minWorkers,
      int maxWorkers,
      int a1Workers,
      int concurrency,
      int remapKeys,
      long seed) {

    static Settings defaults() {
      return new Settings(10_000, 2, 6, 3, 32, 100_000, 42);
    }

    /** Checks every setting; the message names the first bad one. */
    Settings {
      TileSpec.checkRange("requests", requests, 1, 1_000_000);
      TileSpec.checkRange("min-workers", minWorkers, 1, 32);
      TileSpec.checkRange("max-workers", maxWorkers, minWorkers, 32);
      TileSpec.checkRange("workers", a1Workers, minWorkers, maxWorkers);
      TileSpec.checkRange("concurrency", concurrency, 1, 256);
      TileSpec.checkRange("keys", remapKeys, 1, 10_000_000);
    }

    int workerCounts() {
      return maxWorkers - minWorkers + 1;
    }
  }

  /** A picker under test: a stable id for files, a label for people, and its configuration. */
  record PickerSpec(String id, String label, Function<Random, PickerFactory> factory) {}

  /** The pickers of. */
  static final List<PickerSpec> PICKERS =
      List.of(
          new PickerSpec("round-robin", "round-robin", r -> Pickers.roundRobin()),
          new PickerSpec("random", "random", Pickers::random),
          new PickerSpec("least-connection", "least-connection", Pickers::leastConnection),
          new PickerSpec("peak-ewma", "peak-EWMA", Pickers::peakEwma),
          new PickerSpec("consistent-hash", "consistent hash", r -> Pickers.consistentHash()),
          new PickerSpec(
              "consistent-hash-bounded",
              "consistent hash, bounded 1.25",
              r -> Pickers.consistentHashBuilder().boundedLoad(PickerName.BOUNDED_LOAD).build()),
          new PickerSpec("classic-hash", "classic seed hash", r -> Pickers.classicSeedHash()),
          new PickerSpec(
              "reported-load",
              "reported load",
              r -> PickerName.reportedLoadBuilder().random(r).build()));

  /** The classic ring's other slot functions A-4 runs unless told otherwise. */
  static final List<SlotFunctions> DEFAULT_PAIRS =
      List.of(SlotFunctions.SPREAD, SlotFunctions.MURMUR);

  /** lb4j's ring with three key hashes, next to the classic rings in A-4. */
  static final List<PickerSpec> RINGS =
      List.of(
          new PickerSpec(
              "consistent-hash", "ring, default (Murmur3)", r -> Pickers.consistentHash()),
          new PickerSpec(
              "consistent-hash-fnv1a",
              "ring, FNV-1a",
              r -> Pickers.consistentHashBuilder().hasher(KeyHashers.fnv1a()).build()),
          new PickerSpec(
              "consistent-hash-java-hashcode",
              "ring, String.hashCode",
              r -> Pickers.consistentHashBuilder().hasher(KeyHashers.javaHashCode()).build()));

  /**
   * The hash functions of A-4: the classic ring with the seed's H and Φ, then with each of {@code
   * pairs}, then lb4j's ring.
   */
  static List<PickerSpec> hashes(List<SlotFunctions> pairs) {
    Map<String, PickerSpec> all = new LinkedHashMap<>();
    all.put(
        "classic-hash",
        new PickerSpec(
            "classic-hash", "classic H(i), \u03a6(i,j)", r -> Pickers.classicSeedHash()));
    int custom = 0;
    for (SlotFunctions f : pairs) {
      boolean isCustom = f.name().equals(SlotFunctions.CUSTOM);
      String id = isCustom ? "classic-hash-custom-" + ++custom : "classic-hash-" + f.name();
      if (!f.name().equals(SlotFunctions.SEED.name())) {
        String label = isCustom ? "classic, " + f.description() : "classic, " + f.name() + " pair";
        all.putIfAbsent(id, new PickerSpec(id, label, r -> f.factory()));
      }
    }
    for (PickerSpec p : RINGS) {
      all.put(p.id(), p);
    }
    return List.copyOf(all.values());
  }

  /** Every picker that gets load runs, A-1/A-2 first, without repeats. */
  static List<PickerSpec> loadPickers(List<PickerSpec> hashes) {
    Map<String, PickerSpec> all = new LinkedHashMap<>();
    for (PickerSpec p : PICKERS) {
      all.put(p.id(), p);
    }
    for (PickerSpec p : hashes) {
      all.putIfAbsent(p.id(), p);
    }
    return List.copyOf(all.values());
  }

  /**
   * Keys moved by one membership change, as a share of all keys.
   *
   * @param moved keys whose endpoint changed
   * @param needless moved keys that neither left a removed worker nor went to an added one
   * @param live the balancer's own {@code BalanceQuality.remappedShare} for the same change
   * @param ideal the share that has to move: the new worker's fair share, or the removed worker's
   */
  record Moved(double moved, double needless, OptionalDouble live, double ideal) {}

  /** A-4's key movement of one hash: a worker added to {@code workers}, then another removed. */
  record Remap(PickerSpec hash, int workers, Moved added, Moved removed) {}

  /**
   * a worker killed in the middle of a run, and replaced by the supervisor.
   *
   * @param picker the picker used
   * @param killedId the killed worker
   * @param killedPid the killed worker's process, killed with {@code SIGKILL}
   * @param killedAt the index of the request sent right after the kill
   * @param killNanos the ticker's reading at the kill
   * @param detection the killed worker's first health change, empty if there was none
   * @param replacement the worker that replaced it, empty if none did during the run
   * @param run the run's counts, retries and losses
   */
  record Failover(
      PickerSpec picker,
      String killedId,
      long killedPid,
      int killedAt,
      long killNanos,
      Optional<Detection> detection,
      Optional<Replaced> replacement,
      LoadRun.Result run) {}

  /**
   * How the balancer noticed the kill.
   *
   * @param afterNanos time from the kill to the health change
   * @param to the new state
   * @param reason the balancer's reason
   */
  record Detection(long afterNanos, HealthState to, String reason) {}

  /**
   * The supervisor's replacement of the killed worker.
   *
   * @param id the new worker's id
   * @param pid the new worker's process
   * @param memberAfterNanos time from the kill until the new worker was a member of the balancer
   *     (the balancer's endpoint-added event)
   * @param firstAnswerAfterNanos time from the kill until the new worker's first answer, empty if
   *     it answered none before the run ended
   */
  record Replaced(String id, long pid, long memberAfterNanos, OptionalLong firstAnswerAfterNanos) {}

  /**
   * A finished report.
   *
   * @param runs per picker id, per number of workers, the load run
   * @param hashes the hash functions of A-4
   * @param pairs the classic ring's slot functions besides the seed's
   */
  record Results(
      Settings settings,
      Map<String, Map<Integer, LoadRun.Result>> runs,
      List<Remap> remaps,
      Failover failover,
      Duration elapsed,
      List<PickerSpec> hashes,
      List<SlotFunctions> pairs) {

    /** Every picker that got load runs. */
    List<PickerSpec> loadPickers() {
      return BalanceReport.loadPickers(hashes);
    }
  }

  /** The picker of A-3: the example's default, which needs passive health checks most. */
  static final PickerSpec FAILOVER_PICKER = PICKERS.get(2);

  /** Attempts per request: enough to step around a dead worker before it is ejected. */
  static final int MAX_ATTEMPTS = 5;

  private final Settings settings;
  private final List<SlotFunctions> pairs;
  private final List<PickerSpec> hashes;
  private final Ticker ticker;

  /** The token of every worker the report starts. */
  private final TileAuth auth = TileAuth.generate(new SecureRandom());

  /** Whether the workers of are processes too; A-3's always are. */
  private final boolean processes;

  BalanceReport(Settings settings, Ticker ticker) {
    this(settings, DEFAULT_PAIRS, ticker, false);
  }

  /**
   * A report whose A-4 runs the classic ring with the seed's functions and with {@code pairs}, and
   * whose workers are child processes when {@code processes} is true.
   */
  BalanceReport(Settings settings, List<SlotFunctions> pairs, Ticker ticker, boolean processes) {
    this.settings = settings;
    this.pairs = List.copyOf(pairs);
    this.hashes = hashes(pairs);
    this.ticker = ticker;
    this.processes = processes;
  }

  /** Requests the whole report sends, for a progress bar. */
  long totalRequests() {
    return (long) settings.requests() * (loadPickers(hashes).size() * settings.workerCounts() + 1);
  }

  /** Runs every experiment; {@code onRequest} is called once per finished request. */
  Results run(Runnable onRequest) throws IOException, InterruptedException {
    long start = ticker.read();
    OkHttpClient client = newClient(settings.concurrency(), auth);
    ScheduledExecutorService retryTimer = newRetryTimer();
    try {
      LoadRun load =
          new LoadRun(client, settings.concurrency(), MAX_ATTEMPTS, ticker, false, retryTimer);
      String[] keys = LoadRun.requestIds(settings.requests(), settings.seed());
      warmUp(load, keys);
      Map<String, Map<Integer, LoadRun.Result>> runs = new LinkedHashMap<>();
      for (int n = settings.minWorkers(); n <= settings.maxWorkers(); n++) {
        try (Workers workers = Workers.start(n, 2, 0, 1, auth, processes)) {
          for (PickerSpec p : loadPickers(hashes)) {
            try (Balancer balancer = newBalancer(p, workers.endpoints).build()) {
              LoadRun.Result r =
                  load.run(balancer, () -> workers.started, keys, i -> {}, onRequest);
              runs.computeIfAbsent(p.id(), k -> new LinkedHashMap<>()).put(n, r);
            }
          }
        }
      }
      List<Remap> remaps = new ArrayList<>();
      try (Workers workers = Workers.start(settings.a1Workers() + 1, 1, 0, 1, auth)) {
        for (PickerSpec h : hashes) {
          remaps.add(remap(h, workers.endpoints));
        }
      }
      Failover failover =
          failover(
              client,
              new LoadRun(client, settings.concurrency(), MAX_ATTEMPTS, ticker, true, retryTimer),
              keys,
              onRequest);
      return new Results(
          settings, runs, remaps, failover, Duration.ofNanos(ticker.read() - start), hashes, pairs);
    } finally {
      retryTimer.shutdownNow();
      close(client);
    }
  }

  private static ScheduledExecutorService newRetryTimer() {
    return Executors.newSingleThreadScheduledExecutor(
        r -> {
          Thread t = new Thread(r, "report-retries");
          t.setDaemon(true);
          return t;
        });
  }

  private static void close(OkHttpClient client) {
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }

  /**
   * Sends one uncounted run of requests first, so the first measured runs do not pay for class
   * loading and compilation: a slow first answer skews the pickers that follow calls in flight.
   */
  private void warmUp(LoadRun load, String[] keys) throws IOException, InterruptedException {
    try (Workers workers = Workers.start(settings.minWorkers(), 2, 0, 1, auth, processes);
        Balancer balancer = newBalancer(PICKERS.get(0), workers.endpoints).build()) {
      load.run(balancer, () -> workers.started, keys, i -> {}, () -> {});
    }
  }

  private BalancerBuilder newBalancer(PickerSpec p, List<Endpoint> endpoints) {
    return Balancers.builder()
        .name("report-" + p.id())
        .endpoints(endpoints)
        .picker(p.factory().apply(new Random(settings.seed())))
        .ticker(ticker)
        // one window longer than any run: the recent share then covers the whole run
        .balanceWindow(Duration.ofHours(1));
  }

  /**
   * Maps the keys on {@code all} but the last endpoint, adds the last, then removes the second: the
   * keys that changed endpoint at each step, measured here and by the balancer itself.
   */
  private Remap remap(PickerSpec hash, List<Endpoint> all) {
    List<Endpoint> initial = all.subList(0, all.size() - 1);
    Endpoint added = all.get(all.size() - 1);
    Endpoint removed = initial.get(Math.min(1, initial.size() - 1));
    String[] keys = distinctIds(settings.remapKeys(), settings.seed() + 1);
    try (Balancer balancer = newBalancer(hash, initial).build()) {
      String[] before = homes(balancer, keys);
      balancer.snapshot(); // settles the initial build, so the next snapshot measures one change
      balancer.add(added);
      OptionalDouble liveAdd = balancer.snapshot().balance().remappedShare();
      String[] afterAdd = homes(balancer, keys);
      balancer.remove(removed.id());
      OptionalDouble liveRemove = balancer.snapshot().balance().remappedShare();
      String[] afterRemove = homes(balancer, keys);
      int moved = 0;
      int needless = 0;
      int onRemoved = 0;
      int movedAgain = 0;
      int needlessAgain = 0;
      for (int k = 0; k < keys.length; k++) {
        if (!before[k].equals(afterAdd[k])) {
          moved++;
          if (!afterAdd[k].equals(added.id())) {
            needless++;
          }
        }
        if (afterAdd[k].equals(removed.id())) {
          onRemoved++;
        }
        if (!afterAdd[k].equals(afterRemove[k])) {
          movedAgain++;
          if (!afterAdd[k].equals(removed.id())) {
            needlessAgain++;
          }
        }
      }
      double total = keys.length;
      return new Remap(
          hash,
          initial.size(),
          new Moved(moved / total, needless / total, liveAdd, 1.0 / all.size()),
          new Moved(movedAgain / total, needlessAgain / total, liveRemove, onRemoved / total));
    }
  }

  private static String[] homes(Balancer balancer, String[] keys) {
    String[] homes = new String[keys.length];
    for (int k = 0; k < keys.length; k++) {
      homes[k] = balancer.choose(keys[k]).id();
    }
    return homes;
  }

  /** {@code count} distinct decimal request ids, as many digits as needed. */
  static String[] distinctIds(int count, long seed) {
    Random random = new Random(seed);
    int bound = Math.max(900_000, count * 4);
    Set<String> ids = new LinkedHashSet<>();
    while (ids.size() < count) {
      ids.add(Integer.toString(100_000 + random.nextInt(bound)));
    }
    return ids.toArray(new String[0]);
  }

  /**
   * Kills the second worker once a third of the requests are sent. Passive outlier detection (3
   * consecutive failures) and an active {@code /health} probe every 250 ms watch the workers; the
   * {@link Supervisor} replaces the worker they take out; failed attempts are retried elsewhere.
   */
  /** A-3 alone, on a client of its own. */
  Failover failover(Runnable onRequest) throws IOException, InterruptedException {
    OkHttpClient client = newClient(settings.concurrency(), auth);
    ScheduledExecutorService retryTimer = newRetryTimer();
    try {
      LoadRun load =
          new LoadRun(client, settings.concurrency(), MAX_ATTEMPTS, ticker, true, retryTimer);
      return failover(
          client, load, LoadRun.requestIds(settings.requests(), settings.seed()), onRequest);
    } finally {
      retryTimer.shutdownNow();
      close(client);
    }
  }

  private Failover failover(OkHttpClient client, LoadRun load, String[] keys, Runnable onRequest)
      throws IOException, InterruptedException {
    int killAt = keys.length / 3;
    // Every worker that ever served, the killed one and its replacement included, to read counts.
    // Each is a process of its own, as the seed's containers were, so the kill is a real SIGKILL.
    List<LocalWorker> everyWorker = new CopyOnWriteArrayList<>();
    Supervisor.WorkerFactory factory =
        id -> {
          LocalWorker w = WorkerProcess.start(id, 2, 1, auth, WorkerProcess.START_TIMEOUT);
          everyWorker.add(w);
          return w;
        };
    long[] killedAt = {Long.MAX_VALUE};
    String[] victim = {null};
    Detection[] detected = {null};
    Supervisor.Replacement[] replaced = {null};
    Map<String, Long> addedAt = new LinkedHashMap<>();
    BalancerListener watch =
        new BalancerListener() {
          @Override
          public void onHealthChanged(
              Balancer b, Endpoint e, HealthState from, HealthState to, String reason) {
            synchronized (detected) {
              if (detected[0] == null && e.id().equals(victim[0]) && to != HealthState.HEALTHY) {
                detected[0] = new Detection(ticker.read() - killedAt[0], to, reason);
              }
            }
          }

          @Override
          public void onEndpointAdded(Balancer b, Endpoint e) {
            // Called once the endpoint can be chosen: the moment the replacement is a member.
            long now = ticker.read();
            synchronized (detected) {
              addedAt.putIfAbsent(e.id(), now);
            }
          }
        };
    ExecutorService replacer =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "report-supervisor");
              t.setDaemon(true);
              return t;
            });
    try (Balancer balancer =
            newBalancer(FAILOVER_PICKER, List.of())
                .listener(watch)
                .outlierDetection(
                    o ->
                        o.consecutiveFailures(3)
                            .maxEjectedShare(0.5)
                            .baseEjectionTime(Duration.ofMinutes(1)))
                .healthCheck(
                    h ->
                        h.interval(Duration.ofMillis(250))
                            .timeout(Duration.ofSeconds(1))
                            .unhealthyThreshold(2)
                            .probe(OkHttpHealthProbe.of(client, "/health"))
                            .random(new Random(settings.seed())))
                .build();
        Supervisor supervisor = new Supervisor(balancer, factory, replacer, ticker)) {
      supervisor.addListener(
          new Supervisor.Listener() {
            @Override
            public void onReplaced(Supervisor.Replacement r) {
              synchronized (detected) {
                if (replaced[0] == null && r.dead().id().equals(victim[0])) {
                  replaced[0] = r;
                  detected.notifyAll();
                }
              }
            }
          });
      for (int i = 0; i < settings.a1Workers(); i++) {
        supervisor.startWorker();
      }
      supervisor.keepSpare(true);
      awaitSpare(supervisor);
      LocalWorker victimWorker = supervisor.workers().get(Math.min(1, settings.a1Workers() - 1));
      victim[0] = victimWorker.id();
      LoadRun.Result r =
          load.run(
              balancer,
              () -> everyWorker,
              keys,
              i -> {
                if (i == killAt) {
                  synchronized (detected) {
                    killedAt[0] = ticker.read();
                  }
                  supervisor.kill(victim[0]);
                }
              },
              onRequest);
      synchronized (detected) {
        // A replacement that did not make it during the run still gets its time recorded.
        long waitUntil = ticker.read() + WorkerProcess.START_TIMEOUT.toNanos();
        while (replaced[0] == null && ticker.read() - waitUntil < 0) {
          detected.wait(50);
        }
        Optional<Replaced> replacement =
            Optional.ofNullable(replaced[0])
                .map(
                    rep -> {
                      OptionalLong first = r.firstAnswerNanos(rep.replacement().id());
                      return new Replaced(
                          rep.replacement().id(),
                          pidOf(supervisor, rep.replacement().id()),
                          addedAt.get(rep.replacement().id()) - killedAt[0],
                          first.isPresent()
                              ? OptionalLong.of(first.getAsLong() - killedAt[0])
                              : OptionalLong.empty());
                    });
        return new Failover(
            FAILOVER_PICKER,
            victim[0],
            victimWorker.pid().orElse(-1),
            killAt,
            killedAt[0],
            Optional.ofNullable(detected[0]),
            replacement,
            r);
      }
    } finally {
      replacer.shutdownNow();
    }
  }

  /** Waits, bounded, until the supervisor's spare is up, so that the kill finds one. */
  private void awaitSpare(Supervisor supervisor) throws InterruptedException {
    long deadline = ticker.read() + WorkerProcess.START_TIMEOUT.toNanos();
    while (supervisor.spare().isEmpty() && ticker.read() - deadline < 0) {
      TimeUnit.MILLISECONDS.sleep(20);
    }
  }

  private static long pidOf(Supervisor supervisor, String id) {
    try {
      return supervisor.worker(id).pid().orElse(-1);
    } catch (InvalidParameterException e) {
      return -1; // replaced again since
    }
  }

  private static OkHttpClient newClient(int concurrency, TileAuth auth) {
    Dispatcher dispatcher = new Dispatcher();
    dispatcher.setMaxRequests(Math.max(64, concurrency * 2));
    dispatcher.setMaxRequestsPerHost(Math.max(64, concurrency * 2));
    return new OkHttpClient.Builder()
        .dispatcher(dispatcher)
        .connectionPool(new ConnectionPool(Math.max(16, concurrency), 1, TimeUnit.MINUTES))
        .connectTimeout(Duration.ofSeconds(2))
        .readTimeout(Duration.ofSeconds(10))
        .callTimeout(Duration.ofSeconds(10))
        .retryOnConnectionFailure(false)
        .addInterceptor(auth.interceptor())
        .build();
  }
}
