package io.github.lb4j.example;

import io.github.lb4j.discovery.EndpointSource;
import io.github.lb4j.scatter.HedgePolicy;
import io.github.lb4j.scatter.Progress;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code render}: renders one view to a PNG, locally or across workers. */
@Command(
    name = "render",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = "Renders the Mandelbrot set once and writes a PNG.")
final class RenderCommand implements Callable<Integer> {

  /** The bound of the tile cache of one render. */
  static final long CACHE_BYTES = 64L << 20;

  @Spec CommandSpec spec;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "FILE.png",
      description = "The PNG to write.")
  Path out;

  @Option(
      names = "--width",
      defaultValue = "1024",
      description = "Image width (default: ${DEFAULT-VALUE}).")
  int width;

  @Option(
      names = "--height",
      defaultValue = "768",
      description = "Image height (default: ${DEFAULT-VALUE}).")
  int height;

  @Option(
      names = "--max-iter",
      defaultValue = "500",
      description = "Iteration limit (default: ${DEFAULT-VALUE}).")
  int maxIter;

  @Option(
      names = "--tile",
      defaultValue = "128",
      description = "Tile side in pixels (default: ${DEFAULT-VALUE}).")
  int tile;

  @Option(
      names = "--picker",
      defaultValue = "least-connection",
      description =
          "round-robin, least-connection, peak-ewma, consistent-hash, random or reported-load"
              + " (default: ${DEFAULT-VALUE}).")
  String picker;

  @ArgGroup(exclusive = true, multiplicity = "0..1")
  Source source = new Source();

  static final class Source {
    @Option(names = "--workers", description = "Start N local workers (default: 4).")
    Integer workers;

    @Option(
        names = "--worker-urls",
        split = ",",
        paramLabel = "URL",
        description = "Use these workers.")
    List<String> workerUrls;

    @Option(names = "--local", description = "Compute in this process (the reference).")
    boolean local;

    @Option(
        names = "--discover",
        paramLabel = "SPEC",
        description = "Find workers through discovery: " + Cluster.DISCOVER_FORMS)
    String discover;
  }

  @Mixin TokenOption token;

  @Option(names = "--re", description = "Real part of the centre (default: -0.75).")
  Double re;

  @Option(names = "--im", description = "Imaginary part of the centre (default: 0).")
  Double im;

  @Option(names = "--zoom", description = "Zoom; 1 shows 3.5 units of the real axis (default: 1).")
  Double zoom;

  @Option(
      names = "--bounds",
      split = ",",
      paramLabel = "N",
      description = "reMin,reMax,imMin,imMax instead of --re/--im/--zoom.")
  List<Double> bounds;

  @Option(
      names = "--threads",
      description =
          "Threads: of --local (default: processors) or of each started worker (default: 1).")
  Integer threads;

  @Option(
      names = "--processes",
      description = "Run each started worker as a child process (a JVM of its own).")
  boolean processes;

  @Option(
      names = "--slow-workers",
      defaultValue = "0",
      description = "How many started workers to slow down (default: 0).")
  int slowWorkers;

  @Option(
      names = "--slow",
      defaultValue = "4",
      description = "Slow factor of slowed workers (default: ${DEFAULT-VALUE}).")
  double slow;

  @Option(
      names = "--slow-mode",
      defaultValue = "sleep",
      description =
          "How slowed workers spend the extra time: sleep (idle) or spin (burning CPU)"
              + " (default: ${DEFAULT-VALUE}).")
  String slowMode;

  @Option(
      names = "--max-attempts",
      defaultValue = "3",
      description = "Attempts per tile (default: ${DEFAULT-VALUE}).")
  int maxAttempts;

  @Option(
      names = "--attempt-timeout-ms",
      defaultValue = "30000",
      description = "Timeout of one attempt (default: ${DEFAULT-VALUE}).")
  long attemptTimeoutMs;

  @Option(
      names = "--hedge",
      defaultValue = "3x",
      description =
          "Hedge slow tiles to an idle worker: none, Nx (N times the time expected for the tile's"
              + " estimated cost), pNN (percentile of this render's latencies) or NNNms"
              + " (default: ${DEFAULT-VALUE}).")
  String hedge;

  @Option(
      names = "--per-worker",
      defaultValue = "2",
      description = "Tiles in flight per worker (default: ${DEFAULT-VALUE}).")
  int perWorker;

  @Mixin ProgressBar.Options progress = new ProgressBar.Options();

  @Option(
      names = "--repeat",
      defaultValue = "1",
      description =
          "Render N times in this process, each with an empty tile cache, and report the"
              + " last (warmed-up) time too; for benchmarks (default: ${DEFAULT-VALUE}).")
  int repeat;

  @Override
  public Integer call() throws Exception {
    PrintWriter stdout = spec.commandLine().getOut();
    PrintWriter stderr = spec.commandLine().getErr();
    View view = view();
    PickerName pickerName = PickerName.parse(picker);
    Cluster.Settings settings = settings();
    Path parent = out.toAbsolutePath().getParent();
    if (Files.isDirectory(out)) {
      throw new InvalidParameterException(
          "out",
          "out: "
              + out
              + " is a directory (expected: a PNG file to write, e.g. "
              + out.resolve("mandelbrot.png")
              + ")");
    }
    if (parent != null && Files.isDirectory(parent) && !Files.isWritable(parent)) {
      throw new InvalidParameterException(
          "out", "out: " + out + " (expected: a file in a writable directory)");
    }
    if (parent == null || !Files.isDirectory(parent)) {
      throw new InvalidParameterException(
          "out", "out: " + out + " (expected: a file in an existing directory)");
    }
    TileSpec.checkRange("repeat", repeat, 1, 1000);
    ProgressBar.Mode mode = progress.mode();
    int toStart = workersToStart();
    EndpointSource discovered =
        source.discover == null ? null : Cluster.discoverySource(source.discover);
    // Something shows at once, once the input is known to be good: starting workers and the
    // first tiles take a moment.
    ProgressBar status = new ProgressBar(stderr, mode, "tiles");
    if (toStart > 0) {
      status.say("starting " + toStart + " workers for " + view.tiles().size() + " tiles...");
    }
    try (Workers workers = workers(toStart);
        TileSource src = tileSource(workers, pickerName, settings, discovered)) {
      if (toStart == 0) {
        status.say(starting(view));
      }
      Renderer.Result result = null;
      List<Long> times = new ArrayList<>();
      TileCosts costs = new TileCosts(); // later repeats reuse the first one's estimates
      // The CPU of the warmed renders: the second half of them (the first half warms the JIT), or
      // the only one.
      int firstWarm = repeat / 2;
      CpuTime cpuStart = null;
      for (int i = 0; i < repeat; i++) {
        if (i == firstWarm) {
          cpuStart = CpuTime.now();
        }
        ProgressBar bar = new ProgressBar(stderr, mode, "tiles");
        boolean failed = true;
        try {
          result = new Renderer(CACHE_BYTES, costs).render(view, src, bar);
          failed = false;
        } finally {
          bar.finish(failed);
        }
        times.add(result.nanos() / 1_000_000);
      }
      if (repeat > 1) {
        stdout.println("times: " + times + " ms; last: " + times.get(times.size() - 1) + " ms");
      }
      CpuTime cpuEnd = CpuTime.now(); // before the PNG is encoded, which is no render's work
      long writeStart = System.nanoTime();
      Renderer.writePng(result.image(), out);
      long writeMs = (System.nanoTime() - writeStart) / 1_000_000;
      report(stdout, view, src, result, writeMs);
      if (cpuStart != null && cpuStart.process() >= 0 && cpuEnd.process() >= 0) {
        double tiles = (double) (repeat - firstWarm) * view.tiles().size();
        double processMs = (cpuEnd.process() - cpuStart.process()) / 1e6;
        double threadsMs = cpuEnd.threadsSince(cpuStart) / 1e6;
        stdout.printf(
            Locale.ROOT,
            "cpu: renders %d..%d: %.0f ms in application threads, %.4f ms per tile;"
                + " %.0f ms process CPU, %.4f ms per tile%n",
            firstWarm + 1,
            repeat,
            threadsMs,
            threadsMs / tiles,
            processMs,
            processMs / tiles);
        stdout.flush();
      }
    }
    return 0;
  }

  /**
   * The CPU time this process has used at one instant: all its threads (the JIT compiler's and the
   * collector's too) and, per live Java thread, what it used so far. The difference of the threads'
   * times between two instants leaves out the compiler and the collector (and threads that ended in
   * between, so it is a lower bound): the render's own work once warmed. With local workers ({@code
   * --workers}) both include theirs, since they run in this process.
   */
  private record CpuTime(long process, Map<Long, Long> threads) {
    static CpuTime now() {
      long process = -1;
      if (ManagementFactory.getOperatingSystemMXBean()
          instanceof com.sun.management.OperatingSystemMXBean os) {
        process = os.getProcessCpuTime();
      }
      ThreadMXBean mx = ManagementFactory.getThreadMXBean();
      Map<Long, Long> threads = new HashMap<>();
      if (mx.isThreadCpuTimeSupported()) {
        for (long id : mx.getAllThreadIds()) {
          long t = mx.getThreadCpuTime(id);
          if (t >= 0) {
            threads.put(id, t);
          }
        }
      }
      return new CpuTime(process, threads);
    }

    /** The CPU the live threads used since {@code start}, a thread born since counted whole. */
    long threadsSince(CpuTime start) {
      long sum = 0;
      for (Map.Entry<Long, Long> e : threads.entrySet()) {
        sum += e.getValue() - start.threads.getOrDefault(e.getKey(), 0L);
      }
      return sum;
    }
  }

  /** What a render without workers of its own is about to do. */
  private String starting(View view) {
    int tiles = view.tiles().size();
    if (source.local) {
      return "rendering " + tiles + " tiles locally...";
    }
    if (source.workerUrls != null) {
      int n = source.workerUrls.size();
      return "rendering " + tiles + " tiles on " + n + (n == 1 ? " worker..." : " workers...");
    }
    return "rendering " + tiles + " tiles on discovered workers...";
  }

  /** How many workers this render starts itself (0 for the other sources); checks the options. */
  private int workersToStart() {
    WorkerServer.SlowMode.parse(slowMode); // checked whatever the source, as every option is
    if (source.local || source.workerUrls != null || source.discover != null) {
      return 0;
    }
    token.checkUnused("with local workers");
    int n = source.workers == null ? 4 : source.workers;
    TileSpec.checkRange("workers", n, 1, 64);
    TileSpec.checkRange("slow-workers", slowWorkers, 0, n);
    threads(1);
    WorkerServer.checkSlowFactor(slow);
    return n;
  }

  private View view() {
    if (bounds != null) {
      if (re != null || im != null || zoom != null) {
        throw new InvalidParameterException(
            "bounds",
            "bounds: " + bounds + " given with --re/--im/--zoom (expected: one or the other)");
      }
      if (bounds.size() != 4) {
        throw new InvalidParameterException(
            "bounds",
            "bounds: " + bounds.size() + " numbers (expected: 4, reMin,reMax,imMin,imMax)");
      }
      return new View(
          bounds.get(0), bounds.get(1), bounds.get(2), bounds.get(3), width, height, maxIter, tile);
    }
    return View.centred(
        re == null ? -0.75 : re,
        im == null ? 0 : im,
        zoom == null ? 1 : zoom,
        width,
        height,
        maxIter,
        tile);
  }

  private Cluster.Settings settings() {
    TileSpec.checkRange("max-attempts", maxAttempts, 1, 10);
    TileSpec.checkRange("per-worker", perWorker, 1, 64);
    TileSpec.checkRange("attempt-timeout-ms", attemptTimeoutMs, 1, 3_600_000);
    return new Cluster.Settings(
        maxAttempts, Duration.ofMillis(attemptTimeoutMs), hedgePolicy(hedge), perWorker);
  }

  static HedgePolicy hedgePolicy(String text) {
    String s = text.trim().toLowerCase(Locale.ROOT);
    try {
      if (s.equals("none")) {
        return HedgePolicy.none();
      }
      if (s.endsWith("x")) {
        return HedgePolicy.pastExpected(Double.parseDouble(s.substring(0, s.length() - 1)))
            .minSamples(16);
      }
      if (s.startsWith("p")) {
        return HedgePolicy.percentile(Double.parseDouble(s.substring(1))).minSamples(16);
      }
      if (s.endsWith("ms")) {
        return HedgePolicy.after(Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2))));
      }
    } catch (IllegalArgumentException e) {
      // falls through to the message below
    }
    throw new InvalidParameterException(
        "hedge",
        "hedge: '"
            + text
            + "' (expected: none, Nx such as 3x, pNN such as p99, or NNNms such as 250ms)");
  }

  private Workers workers(int toStart) throws java.io.IOException {
    if (source.local) {
      token.checkUnused("with --local");
      return new Workers(null);
    }
    if (source.workerUrls != null) {
      return Workers.remote(source.workerUrls, token::remote);
    }
    if (source.discover != null) {
      return new Workers(token.remote()); // the cluster follows the discovery source instead
    }
    return Workers.start(
        toStart,
        threads(1),
        slowWorkers,
        slow,
        WorkerServer.SlowMode.parse(slowMode),
        TileAuth.generate(new SecureRandom()),
        processes);
  }

  /** {@code --threads}, or {@code dflt} when not given; checked either way. */
  private int threads(int dflt) {
    int t = threads == null ? dflt : threads;
    TileSpec.checkRange("threads", t, 1, 256);
    return t;
  }

  private TileSource tileSource(
      Workers workers,
      PickerName pickerName,
      Cluster.Settings settings,
      EndpointSource discovered) {
    if (source.local) {
      return new LocalTileSource(threads(Runtime.getRuntime().availableProcessors()));
    }
    Cluster cluster = new Cluster(workers.endpoints, pickerName, settings, workers.auth);
    if (discovered != null) {
      cluster.follow(discovered);
    }
    return cluster;
  }

  private void report(PrintWriter o, View view, TileSource src, Renderer.Result r, long writeMs) {
    long ms = r.nanos() / 1_000_000;
    o.printf(
        Locale.ROOT,
        "rendered %s: %dx%d, max-iter %d, %d tiles of %d (%d cached) [%s]%n",
        out,
        view.width(),
        view.height(),
        view.maxIter(),
        r.tiles(),
        view.tile(),
        r.cached(),
        src.describe());
    o.printf(Locale.ROOT, "time: %d ms render, %d ms png%n", ms, writeMs);
    Map<String, Progress.EndpointProgress> eps = r.progress().endpoints();
    if (!eps.isEmpty()) {
      o.printf(
          Locale.ROOT,
          "%-24s %6s %9s %9s %9s%n",
          "worker",
          "tiles",
          "attempts",
          "failures",
          "mean ms");
      for (Progress.EndpointProgress e : eps.values()) {
        o.printf(
            Locale.ROOT,
            "%-24s %6d %9d %9d %9.1f%n",
            e.endpoint().id(),
            e.completed(),
            e.attempts(),
            e.failures(),
            e.meanLatencyNanos() / 1e6);
      }
      o.printf(
          Locale.ROOT, "retries: %d, hedges: %d%n", r.progress().retries(), r.progress().hedges());
    }
    o.flush();
  }
}
