package io.github.lb4j.example;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.github.lb4j.BalanceQuality;
import io.github.lb4j.Balancer;
import io.github.lb4j.BalancerListener;
import io.github.lb4j.BalancerSnapshot;
import io.github.lb4j.Endpoint;
import io.github.lb4j.EndpointState;
import io.github.lb4j.HealthState;
import io.github.lb4j.Ticker;
import io.github.lb4j.discovery.EndpointSource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The front end of {@code serve}: the Mandelbrot page with its live dashboard, and the JSON API
 * behind it (described in {@code docs/web-api.md}).
 *
 * <p>Renders run as {@link RenderJobs jobs} that the page polls, drawing tiles as they arrive. The
 * page may change the picker: the front end then builds a new {@link Cluster} over the same workers
 * and closes the previous one once its renders are over. With local workers, a {@link Supervisor}
 * owns them: the page can add, kill, slow down and restore workers, and killed ones are replaced
 * (unless replacing is turned off).
 *
 * <p>Threading: HTTP requests are handled on the HTTP server's I/O threads; the state shared
 * between them (the current cluster, the event log) is guarded by this object or is thread safe.
 */
final class FrontEnd implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FrontEnd.class);

  /** The largest image side the page may ask for. */
  static final int MAX_SIDE = 4096;

  /** The most tiles one render may have. */
  static final int MAX_TILES = 4096;

  /** The deepest zoom: beyond it neighbouring pixels are no longer distinct doubles. */
  static final double MAX_ZOOM = 1e12;

  /** How often the health monitor probes each worker. */
  static final Duration PROBE_INTERVAL = Duration.ofMillis(500);

  /** The largest slow factor the page may set. */
  static final double MAX_SLOW = 50;

  /** The longest a poll of a render may wait for its next tile. */
  static final int MAX_WAIT_MS = 10_000;

  /** Events kept for the dashboard. */
  static final int EVENTS_KEPT = 30;

  /**
   * What a render may cost, in pixels times {@code maxIter}, per worker: a worker thread does about
   * 2·10^8 iterations a second on a view along the set's boundary, so a render at the bound takes
   * one to two minutes even if every pixel ran to {@code maxIter}.
   */
  static final long COST_PER_WORKER = 20_000_000_000L;

  /** How long a client turned away for too many renders is asked to wait, in seconds. */
  static final int RETRY_AFTER_S = 2;

  /**
   * The admission bounds: a render costing more than {@code maxCost} (pixels times {@code maxIter})
   * is refused with 400; beyond {@code maxRenders} running at once, with 429.
   */
  record Admission(long maxCost, int maxRenders) {
    Admission {
      if (maxCost < 1) {
        throw new InvalidParameterException(
            "max-cost", "max-cost: " + maxCost + " (expected: >= 1)");
      }
      TileSpec.checkRange("max-renders", maxRenders, 1, 1024);
    }

    /** {@link #COST_PER_WORKER} per worker (at least one) and {@code maxRenders} at once. */
    static Admission forWorkers(int workers, int maxRenders) {
      return new Admission(COST_PER_WORKER * Math.max(1, workers), maxRenders);
    }
  }

  private static final Set<String> RENDER_PARAMETERS =
      Set.of("re", "im", "zoom", "width", "height", "maxIter", "tile", "picker", "recompute");
  private static final Set<String> POLL_PARAMETERS = Set.of("since", "waitMs");

  /** The view the page keeps in its address, so that a shared link opens it. */
  private static final Set<String> PAGE_PARAMETERS =
      Set.of("re", "im", "zoom", "maxIter", "picker");

  private static final Pattern STATIC =
      Pattern.compile("/static/([a-z0-9][a-z0-9-]*\\.(html|js|css|svg|png))");
  private static final Pattern JOB = Pattern.compile("/api/renders/(r[0-9]{1,9})");
  private static final Pattern WORKER =
      Pattern.compile("/api/workers/([A-Za-z0-9._-]{1,64})/(kill|slow|restore|retire|stop|resume)");
  private static final Map<String, String> TYPES =
      Map.of(
          "html", "text/html; charset=utf-8",
          "js", "text/javascript; charset=utf-8",
          "css", "text/css; charset=utf-8",
          "svg", "image/svg+xml",
          "png", "image/png");

  /** The clusters of the front end's life: one per picker change, kept until its renders end. */
  private static final class Lane {
    final Cluster cluster;
    final PickerName picker;
    int users; // guarded by the front end
    boolean retired; // guarded by the front end

    Lane(Cluster cluster, PickerName picker) {
      this.cluster = cluster;
      this.picker = picker;
    }
  }

  private final Ticker ticker;
  private final EndpointSource discovery; // null unless workers are discovered
  private final long startNanos;
  private final Supervisor supervisor; // null with remote workers
  private final boolean processes; // whether the local workers are child processes
  private final Cluster.Settings settings;
  private final int defaultTile;
  private final Renderer renderer = new Renderer(256L << 20);
  private final RenderJobs jobs;
  private final HttpServer server;
  private final URI uri;
  private final Admission admission;
  private final AtomicInteger running = new AtomicInteger(); // renders admitted and not over
  private final ExecutorService replacer;
  private final Deque<String> events = new ArrayDeque<>(); // guarded by itself
  private final BalancerListener eventLog =
      new BalancerListener() {
        @Override
        public void onEndpointAdded(Balancer b, Endpoint e) {
          event(e.id() + " joined (" + e.address() + ")");
        }

        @Override
        public void onEndpointRemoved(Balancer b, Endpoint e) {
          event(e.id() + " left");
        }

        @Override
        public void onHealthChanged(
            Balancer b, Endpoint e, HealthState from, HealthState to, String reason) {
          event(e.id() + " " + from + " -> " + to + ": " + reason);
        }
      };
  private final TileAuth auth; // the workers' token
  private Lane lane; // guarded by this
  private RenderJobs.Job lastRender; // the last render started; guarded by this
  private boolean closed; // guarded by this

  /**
   * Starts a front end.
   *
   * @param bind the address to listen on
   * @param port the port, 0 for an ephemeral one
   * @param workers the workers: local ones are supervised, remote ones only balanced
   * @param picker the picker to start with
   * @param tile the default tile side
   * @param ticker the clock of render times and event stamps
   */
  static FrontEnd start(
      String bind, int port, Workers workers, PickerName picker, int tile, Ticker ticker)
      throws IOException {
    return start(bind, port, workers, picker, tile, ticker, null);
  }

  /**
   * Starts a front end whose clusters follow {@code discovery} for their workers when it is not
   * {@code null}, instead of taking {@code workers}' endpoints.
   */
  static FrontEnd start(
      String bind,
      int port,
      Workers workers,
      PickerName picker,
      int tile,
      Ticker ticker,
      EndpointSource discovery)
      throws IOException {
    return start(
        bind,
        port,
        workers,
        picker,
        tile,
        ticker,
        discovery,
        Admission.forWorkers(workers.endpoints.size(), 4));
  }

  /** Like the others, with the admission bounds of renders. */
  static FrontEnd start(
      String bind,
      int port,
      Workers workers,
      PickerName picker,
      int tile,
      Ticker ticker,
      EndpointSource discovery,
      Admission admission)
      throws IOException {
    FrontEnd f = new FrontEnd(bind, port, workers, picker, tile, ticker, discovery, admission);
    f.server.start();
    return f;
  }

  private FrontEnd(
      String bind,
      int port,
      Workers workers,
      PickerName picker,
      int tile,
      Ticker ticker,
      EndpointSource discovery,
      Admission admission)
      throws IOException {
    this.admission = admission;
    this.discovery = discovery;
    this.auth = workers.auth;
    this.ticker = ticker;
    this.startNanos = ticker.read();
    this.defaultTile = tile;
    this.settings = Cluster.Settings.defaults();
    this.jobs = new RenderJobs(renderer, ticker);
    this.replacer =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "supervisor");
              t.setDaemon(true);
              return t;
            });
    Cluster first = newCluster(workers.endpoints, picker);
    this.lane = new Lane(first, picker);
    if (workers.started.isEmpty()) {
      this.supervisor = null;
      this.processes = false;
    } else {
      this.supervisor = new Supervisor(first.balancer(), workers::startAnother, replacer, ticker);
      this.processes = workers.processes;
      for (LocalWorker w : workers.started) {
        supervisor.adopt(w);
      }
      // A process takes seconds to start: one started ahead replaces a dead one at once.
      supervisor.keepSpare(processes);
      supervisor.addListener(
          new Supervisor.Listener() {
            @Override
            public void onReplaced(Supervisor.Replacement r) {
              event(
                  String.format(
                      Locale.ROOT,
                      "supervisor replaced %s by %s in %.0f ms",
                      r.dead().id(),
                      r.replacement().id(),
                      (r.replacedNanos() - r.detectedNanos()) / 1e6));
            }

            @Override
            public void onReplaceFailed(Endpoint dead, Exception cause) {
              event("supervisor could not replace " + dead.id() + ": " + cause);
            }
          });
    }
    try {
      this.server = HttpServers.create("front-end", bind, port, HttpServers.Limits.defaults());
    } catch (IOException | RuntimeException e) {
      first.close();
      if (supervisor != null) {
        supervisor.close();
      }
      replacer.shutdownNow();
      throw e;
    }
    InetSocketAddress a = server.getAddress();
    this.uri = URI.create("http://" + a.getAddress().getHostAddress() + ":" + a.getPort() + "/");
    server.createContext("/", this::handle);
  }

  private Cluster newCluster(List<Endpoint> endpoints, PickerName picker) {
    Cluster c =
        new Cluster(endpoints, picker, settings, auth, Cluster.healthMonitoring(PROBE_INTERVAL));
    c.balancer().addListener(eventLog);
    if (discovery != null) {
      c.follow(discovery);
    }
    return c;
  }

  /** The page's address. */
  URI uri() {
    return uri;
  }

  /** The balancer in use now. */
  synchronized Balancer balancer() {
    return lane.cluster.balancer();
  }

  /** The supervisor of the local workers, or {@code null} with remote workers. */
  Supervisor supervisor() {
    return supervisor;
  }

  @Override
  public void close() {
    Cluster c;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      c = lane.cluster;
    }
    server.stop(0);
    c.close();
    if (supervisor != null) {
      supervisor.close();
    }
    replacer.shutdownNow();
  }

  // ---- requests

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String method = ex.getRequestMethod();
      String path = "?";
      try {
        path = HttpServers.path(ex);
        route(ex, path, method);
      } catch (InvalidParameterException e) {
        HttpServers.sendError(ex, 400, "bad request", e.parameter(), e.getMessage());
      } catch (MethodNotAllowed e) {
        ex.getResponseHeaders().set("Allow", e.allowed);
        HttpServers.sendError(ex, 405, "method not allowed", null, e.getMessage());
      } catch (NotFound e) {
        HttpServers.sendError(ex, 404, "not found", e.parameter, e.getMessage());
      } catch (TooManyRenders e) {
        ex.getResponseHeaders().set("Retry-After", Integer.toString(RETRY_AFTER_S));
        HttpServers.sendError(ex, 429, "too many renders", null, e.getMessage());
      } catch (IllegalStateException e) {
        HttpServers.sendError(ex, 409, "conflict", null, e.getMessage());
      } catch (RenderException e) {
        HttpServers.sendError(ex, 502, "render failed", null, e.getMessage());
      } catch (RuntimeException e) {
        log.warn("{} {} failed", method, path, e);
        HttpServers.sendError(ex, 500, "internal error", null, e.toString());
      }
    }
  }

  /** A missing resource, named by {@code parameter} when a parameter named it. */
  private static final class NotFound extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient String parameter;

    NotFound(String parameter, String message) {
      super(message);
      this.parameter = parameter;
    }
  }

  /** Answered 429: too many renders run already. */
  private static final class TooManyRenders extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TooManyRenders(int limit) {
      super(limit + " renders run already (the limit); retry in " + RETRY_AFTER_S + " s");
    }
  }

  private void route(HttpExchange ex, String path, String method) throws IOException {
    Matcher staticAsset = STATIC.matcher(path);
    Matcher jobPath = JOB.matcher(path);
    Matcher workerPath = WORKER.matcher(path);
    if (path.equals("/") || path.equals("/index.html")) {
      expectGet(method);
      HttpServers.query(ex, PAGE_PARAMETERS);
      sendAsset(ex, "index.html");
    } else if (staticAsset.matches()) {
      expectGet(method);
      HttpServers.query(ex, Set.of());
      sendAsset(ex, staticAsset.group(1));
    } else if (path.equals("/api/status")) {
      expectGet(method);
      HttpServers.query(ex, Set.of());
      sendJson(ex, 200, status());
    } else if (path.equals("/api/renders")) {
      expect(method, "POST");
      RenderJobs.Job job = startRender(HttpServers.query(ex, RENDER_PARAMETERS));
      sendJson(ex, 202, job.toJson(0, ticker.read()));
    } else if (jobPath.matches() && method.equals("DELETE")) {
      HttpServers.query(ex, Set.of());
      RenderJobs.Job job = job(jobPath.group(1));
      boolean cancelled = job.cancel(ticker.read());
      if (cancelled) {
        event("render " + job.id + " cancelled from the page");
      }
      sendJson(ex, 200, job.toJson(job.arrivedCount(), ticker.read()));
    } else if (jobPath.matches()) {
      expect(method, "GET, HEAD, DELETE", HttpServers.isGet(method));
      Map<String, String> q = HttpServers.query(ex, POLL_PARAMETERS);
      int since = integer(q, "since", 0, 0, MAX_TILES);
      int waitMs = integer(q, "waitMs", 0, 0, MAX_WAIT_MS);
      RenderJobs.Job job = job(jobPath.group(1));
      try {
        job.await(since, waitMs);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("the front end is stopping");
      }
      sendJson(ex, 200, job.toJson(since, ticker.read()));
    } else if (path.equals("/api/workers")) {
      expect(method, "POST");
      Map<String, String> q = HttpServers.query(ex, Set.of("count"));
      if (q.containsKey("count")) {
        scale(ex, integer(q, "count", 0, 1, Supervisor.MAX_WORKERS));
        return;
      }
      LocalWorker w = local().startWorker();
      sendJson(
          ex,
          201,
          "{\"id\":" + Json.quote(w.id()) + ",\"address\":" + Json.quote(w.uri().toString()) + "}");
    } else if (workerPath.matches()) {
      expect(method, "POST");
      Map<String, String> q =
          HttpServers.query(ex, workerPath.group(2).equals("slow") ? Set.of("factor") : Set.of());
      workerAction(ex, workerPath.group(1), workerPath.group(2), q);
    } else if (path.equals("/api/supervisor")) {
      expect(method, "POST");
      String on = HttpServers.query(ex, Set.of("replacing")).get("replacing");
      if (!"true".equals(on) && !"false".equals(on)) {
        throw new InvalidParameterException(
            "replacing",
            "replacing: "
                + (on == null ? "missing" : "'" + on + "'")
                + " (expected: true or false)");
      }
      local().replacing(Boolean.parseBoolean(on));
      event("supervisor replacing " + (local().isReplacing() ? "on" : "off"));
      sendJson(ex, 200, "{\"replacing\":" + local().isReplacing() + "}");
    } else if (path.equals("/render.png")) {
      expectGet(method);
      renderPng(ex, HttpServers.query(ex, RENDER_PARAMETERS));
    } else {
      throw new NotFound(null, "no such path: " + path);
    }
  }

  private static void expect(String method, String allowed) {
    expect(method, allowed, method.equals(allowed));
  }

  private static void expectGet(String method) {
    expect(method, "GET, HEAD", HttpServers.isGet(method));
  }

  private static void expect(String method, String allowed, boolean ok) {
    if (!ok) {
      throw new MethodNotAllowed(method, allowed);
    }
  }

  private RenderJobs.Job job(String id) {
    RenderJobs.Job job = jobs.get(id);
    if (job == null) {
      throw new NotFound("id", "id: '" + id + "' (expected: a recent render)");
    }
    return job;
  }

  /** Takes a render slot, or throws {@link TooManyRenders}; {@link #endRender} gives it back. */
  private void admit() {
    int n = running.incrementAndGet();
    if (n > admission.maxRenders()) {
      running.decrementAndGet();
      throw new TooManyRenders(admission.maxRenders());
    }
  }

  private void endRender() {
    running.decrementAndGet();
  }

  /** Answered 405. */
  private static final class MethodNotAllowed extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient String allowed;

    MethodNotAllowed(String method, String allowed) {
      super("method: " + method + " (expected: " + allowed + ")");
      this.allowed = allowed;
    }
  }

  private Supervisor local() {
    if (supervisor == null) {
      throw new IllegalStateException(
          "the workers are remote (--worker-urls): only local workers can be controlled");
    }
    return supervisor;
  }

  private void workerAction(HttpExchange ex, String id, String action, Map<String, String> q)
      throws IOException {
    Supervisor s = local();
    LocalWorker w;
    try {
      w = s.worker(id);
    } catch (InvalidParameterException e) {
      throw new NotFound("id", e.getMessage());
    }
    switch (action) {
      case "kill" -> {
        s.kill(id);
        event(id + " killed from the page");
      }
      case "retire" -> {
        s.retire(id);
        event(id + " retired from the page");
      }
      case "stop" -> {
        signal(() -> s.pause(id));
        event(id + " stopped from the page (SIGSTOP to process " + w.pid().orElse(-1) + ")");
      }
      case "resume" -> {
        signal(() -> s.resume(id));
        event(id + " resumed from the page (SIGCONT)");
      }
      case "slow" -> {
        double factor = number(q, "factor", 8);
        if (!(factor >= 1 && factor <= MAX_SLOW)) {
          throw new InvalidParameterException(
              "factor",
              "factor: " + q.get("factor") + " (expected: in [1, " + (int) MAX_SLOW + "])");
        }
        w.slowFactor(factor);
        event(id + " slowed down " + fmt(factor) + "x");
      }
      default -> { // restore
        w.slowFactor(1);
        event(id + " restored to full speed");
      }
    }
    sendJson(ex, 200, "{\"id\":" + Json.quote(id) + ",\"action\":" + Json.quote(action) + "}");
  }

  /** Runs a signal action; where signals are not available, a conflict the page can show. */
  private static void signal(Runnable action) {
    try {
      action.run();
    } catch (UnsupportedOperationException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  /** {@code POST /api/workers?count=N}: grows or shrinks the local workers to N. */
  private void scale(HttpExchange ex, int count) throws IOException {
    Supervisor s = local();
    event("scaling to " + count + " workers from the page");
    Supervisor.Scaled r;
    try {
      r = s.scale(count, Supervisor.DRAIN_TIMEOUT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("the front end is stopping");
    }
    event(
        "scaled to "
            + r.count()
            + " workers: started "
            + r.started()
            + ", drained "
            + r.drained()
            + (r.undrained().isEmpty()
                ? ""
                : " (still busy at the drain timeout: " + r.undrained() + ")"));
    sendJson(
        ex,
        200,
        "{\"count\":"
            + r.count()
            + ",\"started\":"
            + Json.strings(r.started())
            + ",\"drained\":"
            + Json.strings(r.drained())
            + ",\"undrained\":"
            + Json.strings(r.undrained())
            + "}");
  }

  // ---- renders

  private PickerName picker(Map<String, String> q) {
    return q.containsKey("picker") ? PickerName.parse(q.get("picker")) : currentPicker();
  }

  private RenderJobs.Job startRender(Map<String, String> q) {
    View view = parseView(q);
    PickerName picker = picker(q);
    boolean recompute = flag(q, "recompute");
    admit();
    Lane l;
    try {
      l = use(picker);
    } catch (RuntimeException e) {
      endRender();
      throw e;
    }
    RenderJobs.Job job;
    try {
      job =
          jobs.start(
              view,
              l.cluster,
              picker.label,
              recompute,
              j -> {
                release(l);
                endRender();
              });
    } catch (RuntimeException e) {
      release(l);
      endRender();
      throw e;
    }
    synchronized (this) {
      lastRender = job;
    }
    return job;
  }

  /** An optional {@code true}/{@code false} parameter; absent is false. */
  private static boolean flag(Map<String, String> q, String name) {
    String v = q.get(name);
    if (v == null || v.equals("false")) {
      return false;
    }
    if (v.equals("true")) {
      return true;
    }
    throw new InvalidParameterException(name, name + ": '" + v + "' (expected: true or false)");
  }

  private synchronized PickerName currentPicker() {
    return lane.picker;
  }

  /** The lane of {@code picker}, switching to a new cluster when the picker changes. */
  private Lane use(PickerName picker) {
    Cluster toClose = null;
    Lane l;
    synchronized (this) {
      if (closed) {
        throw new IllegalStateException("the front end is closed");
      }
      if (lane.picker != picker) {
        Lane old = lane;
        List<Endpoint> endpoints =
            supervisor != null ? supervisor.endpoints() : old.cluster.balancer().endpoints();
        lane = new Lane(newCluster(endpoints, picker), picker);
        if (supervisor != null) {
          supervisor.watch(lane.cluster.balancer());
        }
        old.retired = true;
        if (old.users == 0) {
          toClose = old.cluster;
        }
        event("picker changed to " + picker);
      }
      l = lane;
      l.users++;
    }
    if (toClose != null) {
      toClose.close();
    }
    return l;
  }

  private void release(Lane l) {
    boolean close;
    synchronized (this) {
      l.users--;
      close = l.retired && l.users == 0;
    }
    if (close) {
      l.cluster.close();
    }
  }

  private View parseView(Map<String, String> q) {
    double re = coordinate(q, "re", -0.75);
    double im = coordinate(q, "im", 0);
    double zoom = number(q, "zoom", 1);
    if (!(zoom >= 0.01 && zoom <= MAX_ZOOM)) {
      throw new InvalidParameterException(
          "zoom", "zoom: " + fmt(zoom) + " (expected: in [0.01, 1e12])");
    }
    int width = integer(q, "width", 800, 16, MAX_SIDE);
    int height = integer(q, "height", 600, 16, MAX_SIDE);
    int maxIter = integer(q, "maxIter", 500, 1, TileSpec.MAX_ITER);
    int tile = integer(q, "tile", defaultTile, 16, TileSpec.MAX_SIDE);
    long tiles = (long) ((width + tile - 1) / tile) * ((height + tile - 1) / tile);
    if (tiles > MAX_TILES) {
      throw new InvalidParameterException(
          "tile",
          "tile: "
              + tile
              + " (expected: at most "
              + MAX_TILES
              + " tiles per image; "
              + width
              + "x"
              + height
              + " makes "
              + tiles
              + ")");
    }
    long cost = (long) width * height * maxIter;
    if (cost > admission.maxCost()) {
      throw new InvalidParameterException(
          "maxIter",
          "cost: "
              + width
              + "x"
              + height
              + " pixels x "
              + maxIter
              + " iterations = "
              + cost
              + " (expected: at most max-cost "
              + admission.maxCost()
              + "; lower maxIter or the size)");
    }
    return View.centred(re, im, zoom, width, height, maxIter, tile);
  }

  /** A coordinate of the centre: the plane beyond 4 holds nothing of the set. */
  private static double coordinate(Map<String, String> q, String name, double dflt) {
    double d = number(q, name, dflt);
    if (Math.abs(d) > 4) {
      throw new InvalidParameterException(name, name + ": " + fmt(d) + " (expected: in [-4, 4])");
    }
    return d;
  }

  private static String fmt(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
  }

  private static double number(Map<String, String> q, String name, double dflt) {
    String v = q.get(name);
    if (v == null) {
      return dflt;
    }
    double d;
    try {
      d = Double.parseDouble(v.trim());
    } catch (NumberFormatException e) {
      throw new InvalidParameterException(name, name + ": '" + v + "' (expected: a number)");
    }
    if (!Double.isFinite(d)) {
      throw new InvalidParameterException(name, name + ": '" + v + "' (expected: a finite number)");
    }
    return d;
  }

  private static int integer(Map<String, String> q, String name, int dflt, int min, int max) {
    String v = q.get(name);
    if (v == null) {
      return dflt;
    }
    int n;
    try {
      n = Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new InvalidParameterException(name, name + ": '" + v + "' (expected: an integer)");
    }
    TileSpec.checkRange(name, n, min, max);
    return n;
  }

  private void renderPng(HttpExchange ex, Map<String, String> q) throws IOException {
    View view = parseView(q);
    PickerName picker = picker(q);
    admit();
    Renderer.Result r;
    try {
      Lane l = use(picker);
      try {
        r = renderer.render(view, l.cluster, p -> {});
      } finally {
        release(l);
      }
    } finally {
      endRender();
    }
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    ImageIO.write(r.image(), "png", png);
    HttpServers.send(ex, 200, "image/png", png.toByteArray());
  }

  // ---- status

  private void event(String text) {
    String line =
        String.format(Locale.ROOT, "%.1f s  %s", (ticker.read() - startNanos) / 1e9, text);
    synchronized (events) {
      events.addFirst(line);
      while (events.size() > EVENTS_KEPT) {
        events.removeLast();
      }
    }
  }

  /** The dashboard's data: the balancer's snapshot, the local workers, the last render, events. */
  String status() {
    BalancerSnapshot s;
    RenderJobs.Job last;
    synchronized (this) {
      s = lane.cluster.balancer().snapshot();
      last = lastRender;
    }
    Map<String, LocalWorker> local = new HashMap<>();
    if (supervisor != null) {
      for (LocalWorker w : supervisor.workers()) {
        local.put(w.id(), w);
      }
    }
    Map<String, Integer> lastTiles = last == null ? Map.of() : last.perWorker();
    BalanceQuality b = s.balance();
    StringBuilder sb =
        new StringBuilder("{\"balancer\":")
            .append(Json.quote(s.balancerName()))
            .append(",\"picker\":")
            .append(Json.quote(s.pickerName()))
            .append(",\"pickers\":[");
    PickerName[] all = PickerName.values();
    for (int i = 0; i < all.length; i++) {
      sb.append(i == 0 ? "" : ",").append(Json.quote(all[i].label));
    }
    sb.append("],\"local\":")
        .append(supervisor != null)
        .append(",\"replacing\":")
        .append(supervisor != null && supervisor.isReplacing())
        .append(",\"processes\":")
        .append(processes)
        .append(",\"draining\":")
        .append(Json.strings(supervisor != null ? supervisor.draining() : List.of()))
        .append(",\"spare\":")
        .append(
            supervisor == null
                ? "null"
                : supervisor.spare().map(w -> Json.quote(w.id())).orElse("null"))
        .append(",\"healthy\":")
        .append(s.healthyCount())
        .append(",\"balance\":{\"windowMs\":")
        .append(b.window().toMillis())
        .append(",\"recentPicks\":")
        .append(b.recentPicks())
        .append(String.format(Locale.ROOT, ",\"picksMaxOverMean\":%.3f", b.picksMaxOverMean()))
        .append(
            String.format(Locale.ROOT, ",\"inFlightMaxOverMean\":%.3f", b.inFlightMaxOverMean()))
        .append(",\"remappedShare\":")
        .append(
            b.remappedShare().isPresent()
                ? String.format(Locale.ROOT, "%.4f", b.remappedShare().getAsDouble())
                : "null")
        .append("},\"endpoints\":[");
    for (int i = 0; i < s.endpoints().size(); i++) {
      EndpointState e = s.endpoints().get(i);
      LocalWorker w = local.get(e.endpoint().id());
      Json.endpointFields(sb.append(i == 0 ? "{" : ",{"), e)
          .append(String.format(Locale.ROOT, ",\"recentShare\":%.4f", e.recentShare()))
          .append(",\"lastRenderTiles\":")
          .append(lastTiles.getOrDefault(e.endpoint().id(), 0))
          .append(",\"local\":")
          .append(w != null);
      if (w != null) {
        sb.append(",\"killed\":")
            .append(w.isClosed())
            .append(",\"slow\":")
            .append(fmt(w.slowFactor()))
            .append(",\"pid\":")
            .append(w.pid().isPresent() ? Long.toString(w.pid().getAsLong()) : "null")
            .append(",\"stopped\":")
            .append(w.isPaused());
      }
      sb.append('}');
    }
    sb.append("],\"lastRender\":");
    if (last == null) {
      sb.append("null");
    } else {
      sb.append("{\"id\":")
          .append(Json.quote(last.id))
          .append(",\"state\":")
          .append(Json.quote(last.state().label()))
          .append(",\"total\":")
          .append(last.tiles.size())
          .append(",\"perWorker\":")
          .append(Json.counts(lastTiles))
          .append('}');
    }
    sb.append(",\"events\":[");
    synchronized (events) {
      int i = 0;
      for (String line : events) {
        sb.append(i++ == 0 ? "" : ",").append(Json.quote(line));
      }
    }
    return sb.append("]}").toString();
  }

  // ---- answers

  private static void sendJson(HttpExchange ex, int status, String json) throws IOException {
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    HttpServers.send(ex, status, "application/json", json.getBytes(StandardCharsets.UTF_8));
  }

  private static void sendAsset(HttpExchange ex, String name) throws IOException {
    byte[] body;
    try (InputStream in = FrontEnd.class.getResourceAsStream("/web/" + name)) {
      if (in == null) {
        throw new NotFound(null, "no such path: /static/" + name);
      }
      body = in.readAllBytes();
    }
    String ext = name.substring(name.lastIndexOf('.') + 1);
    ex.getResponseHeaders().set("Cache-Control", "no-cache");
    ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    HttpServers.send(ex, 200, TYPES.get(ext), body);
  }
}
