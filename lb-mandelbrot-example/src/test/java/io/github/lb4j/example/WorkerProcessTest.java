package io.github.lb4j.example;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lb4j.EndpointState;
import io.github.lb4j.HealthState;
import io.github.lb4j.Ticker;
import io.github.lb4j.scatter.HedgePolicy;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Workers as real child processes ({@code --processes}): killed with {@code SIGKILL}, frozen with
 * {@code SIGSTOP}, scaled at run time, and never outliving the process that started them. Every
 * test starts few JVMs, waits for conditions with generous timeouts, and checks afterwards that no
 * worker process of this JVM is left.
 */
@Timeout(300)
final class WorkerProcessTest {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  /** About ten seconds of tiles on two single-threaded workers on a loaded machine. */
  private static final String HEAVY = "width=640&height=480&maxIter=6000&tile=32";

  private static final View HEAVY_VIEW = View.centred(-0.75, 0, 1, 640, 480, 6000, 32);

  private final List<AutoCloseable> closeAfter = new ArrayList<>();

  @AfterEach
  void noWorkerProcessLeft() throws Exception {
    for (int i = closeAfter.size() - 1; i >= 0; i--) {
      closeAfter.get(i).close();
    }
    for (ProcessHandle p : workerChildren(ProcessHandle.current())) {
      p.destroyForcibly(); // so that a failure here leaves nothing behind either
    }
    waitFor(() -> workerChildren(ProcessHandle.current()).isEmpty(), "every worker process gone");
  }

  @Test
  void killedWorkerProcess_midRender_isReplacedAndTheImageMatchesLocal() throws Exception {
    FrontEnd f = frontEnd(2);
    Supervisor s = f.supervisor();
    waitFor(() -> s.spare().isPresent(), "the spare started");
    LocalWorker victim = s.workers().get(1);
    long victimPid = victim.pid().orElseThrow();
    long[] detected = {0};
    s.addListener(
        new Supervisor.Listener() {
          @Override
          public void onReplaced(Supervisor.Replacement r) {
            synchronized (detected) {
              detected[0] = r.detectedNanos();
            }
          }
        });
    CompletableFuture<HttpResponse<byte[]>> png = getAsync(f.uri(), "/render.png?" + HEAVY);
    waitFor(() -> successes(f) >= 1, "a first tile answered");
    long killedAt = System.nanoTime();
    ProcessHandle.of(victimPid).orElseThrow().destroyForcibly(); // kill -9, behind its back
    assertFalse(png.isDone(), "the render was still running at the kill");

    waitFor(
        () -> s.workers().stream().noneMatch(w -> w.id().equals(victim.id())),
        "the killed worker replaced");
    LocalWorker fresh = s.workers().get(1);
    long freshPid = fresh.pid().orElseThrow();
    assertNotEquals(victimPid, freshPid);
    assertNotEquals(victim.uri(), fresh.uri(), "a new process on a new port");
    waitFor(() -> healthStatus(fresh.uri()) == 200, "the new process answering");
    long answeredAt = System.nanoTime();
    long detectedAt;
    synchronized (detected) {
      detectedAt = detected[0];
    }
    // Recorded, not asserted: on a loaded machine a JVM start takes what it takes.
    System.out.printf(
        Locale.ROOT,
        "kill -9 of %s (pid %d): detected after %d ms, %s (pid %d) answering after %d ms%n",
        victim.id(),
        victimPid,
        TimeUnit.NANOSECONDS.toMillis(detectedAt - killedAt),
        fresh.id(),
        freshPid,
        TimeUnit.NANOSECONDS.toMillis(answeredAt - killedAt));
    assertFalse(alive(victimPid));

    HttpResponse<byte[]> r = png.get(240, TimeUnit.SECONDS);
    assertEquals(200, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
    assertArrayEquals(RenderTest.local(HEAVY_VIEW), pixels(r.body()));

    String status = get(f.uri(), "/api/status").body();
    assertTrue(status.contains("\"processes\":true"), status);
    assertTrue(status.contains("\"pid\":" + freshPid), status);
    assertFalse(status.contains("\"id\":\"" + victim.id() + "\""), status);
  }

  @Test
  void stoppedWorkerProcess_isHedgedAndTakenOut_andComesBackWhenResumed() throws Exception {
    Workers ws = Workers.start(2, 1, 0, 1, TestTokens.AUTH, true);
    closeAfter.add(ws);
    Cluster c =
        new Cluster(
            ws.endpoints,
            PickerName.LEAST_CONNECTION,
            new Cluster.Settings(
                3, Duration.ofSeconds(120), HedgePolicy.after(Duration.ofSeconds(1)), 2),
            ws.auth,
            Cluster.healthMonitoring(Duration.ofMillis(500)));
    closeAfter.add(c);
    LocalWorker victim = ws.started.get(0);
    View view = View.centred(-0.75, 0, 1, 320, 240, 3000, 32);
    AtomicBoolean stopped = new AtomicBoolean();
    Renderer.Result r =
        new Renderer(0)
            .render(
                view,
                c,
                p -> {
                  // Frozen with tiles in flight, so that only hedging gets them done.
                  if (p.done() >= 4 && state(c, victim.id()).inFlight() > 0) {
                    if (stopped.compareAndSet(false, true)) {
                      victim.pause();
                    }
                  }
                });
    assertTrue(stopped.get(), "the worker was stopped mid-render");
    assertArrayEquals(RenderTest.local(view), RenderTest.pixels(r.image()));
    assertTrue(r.progress().hedges() >= 1, r.progress().toString());
    assertTrue(victim.isPaused());
    waitFor(
        () -> state(c, victim.id()).health() != HealthState.HEALTHY,
        "the stopped worker taken out");

    victim.resume();
    assertFalse(victim.isPaused());
    waitFor(() -> healthStatus(victim.uri()) == 200, "the resumed worker answering");
  }

  @ParameterizedTest(name = "killed with SIGKILL: {0}")
  @ValueSource(booleans = {false, true})
  void serve_whenItExits_leavesNoWorkerProcess(boolean sigkill) throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(javaCommand("serve", "--processes", "--workers", "2", "--port", "0"));
    pb.redirectErrorStream(true);
    pb.environment().put("CLASSPATH", System.getProperty("java.class.path"));
    Process serve = pb.start();
    closeAfter.add(() -> killTree(serve.toHandle()));
    BufferedReader out =
        new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8));
    String line;
    List<String> seen = new ArrayList<>();
    while ((line = out.readLine()) != null && !line.startsWith("Mandelbrot page on")) {
      seen.add(line);
    }
    assertTrue(line != null, "serve started: " + seen);
    // Two workers and the spare started ahead.
    waitFor(() -> workerChildren(serve.toHandle()).size() == 3, "three worker processes");
    List<ProcessHandle> children = workerChildren(serve.toHandle());
    if (sigkill) {
      serve.destroyForcibly();
    } else {
      serve.destroy(); // SIGTERM
    }
    assertTrue(serve.waitFor(60, TimeUnit.SECONDS), "serve exited");
    waitFor(
        () -> children.stream().noneMatch(ProcessHandle::isAlive),
        "the worker processes of serve gone: " + children);
  }

  @Test
  void scale_2to5to1_duringARender_losesNoTile() throws Exception {
    FrontEnd f = frontEnd(2);
    waitFor(() -> f.supervisor().spare().isPresent(), "the spare started");
    for (String[] bad :
        List.of(
            new String[] {"0", "count: 0 (expected: in [1, 64])"},
            new String[] {"65", "count: 65 (expected: in [1, 64])"},
            new String[] {"x", "count: 'x' (expected: an integer)"})) {
      HttpResponse<String> r = post(f.uri(), "/api/workers?count=" + bad[0]);
      assertEquals(400, r.statusCode(), r.body());
      assertTrue(r.body().contains("\"parameter\":\"count\""), r.body());
      assertTrue(r.body().contains(bad[1]), r.body());
    }
    CompletableFuture<HttpResponse<byte[]>> png = getAsync(f.uri(), "/render.png?" + HEAVY);
    waitFor(() -> successes(f) >= 1, "a first tile answered");

    HttpResponse<String> up = post(f.uri(), "/api/workers?count=5");
    assertEquals(200, up.statusCode(), up.body());
    assertTrue(up.body().startsWith("{\"count\":5,"), up.body());
    assertEquals(5, f.balancer().endpoints().size());
    List<LocalWorker> five = f.supervisor().workers();
    assertEquals(5, five.size());
    assertTrue(five.stream().allMatch(w -> alive(w.pid().orElseThrow())), five.toString());

    HttpResponse<String> down = post(f.uri(), "/api/workers?count=1");
    assertEquals(200, down.statusCode(), down.body());
    assertTrue(down.body().startsWith("{\"count\":1,"), down.body());
    assertEquals(1, f.balancer().endpoints().size());
    assertEquals(List.of(five.get(0)), f.supervisor().workers(), "the oldest stays");
    waitFor(
        () -> five.subList(1, 5).stream().noneMatch(w -> alive(w.pid().orElseThrow())),
        "the four drained processes gone");

    HttpResponse<byte[]> r = png.get(240, TimeUnit.SECONDS);
    assertEquals(200, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
    assertArrayEquals(RenderTest.local(HEAVY_VIEW), pixels(r.body()));
  }

  @Test
  void render_withProcesses_writesTheSameFileAsLocal(@TempDir Path dir) throws Exception {
    Path local = dir.resolve("local.png");
    Path dist = dir.resolve("dist.png");
    String common = "render --width 64 --height 48 --max-iter 100 --tile 16 --out";
    CliTest.Run l = CliTest.run(CliTest.args(common, local.toString(), "--local"));
    assertEquals(0, l.status(), l.err());
    CliTest.Run r =
        CliTest.run(CliTest.args(common, dist.toString(), "--workers", "2", "--processes"));
    assertEquals(0, r.status(), r.err());
    assertArrayEquals(Files.readAllBytes(local), Files.readAllBytes(dist));
    assertTrue(r.out().contains("worker-2"), r.out());
  }

  @Test
  void stop_ofAnInProcessWorker_isAConflictNamingWhy() throws Exception {
    Workers ws = Workers.start(1, 1, 0, 1, TestTokens.AUTH);
    closeAfter.add(ws);
    FrontEnd f = FrontEnd.start("127.0.0.1", 0, ws, PickerName.ROUND_ROBIN, 32, Ticker.system());
    closeAfter.add(f);
    HttpResponse<String> r = post(f.uri(), "/api/workers/worker-1/stop");
    assertEquals(409, r.statusCode(), r.body());
    assertTrue(r.body().contains("runs inside this process"), r.body());
    assertTrue(r.body().contains("--processes"), r.body());
  }

  // ---- helpers

  private FrontEnd frontEnd(int workers) throws Exception {
    Workers ws = Workers.start(workers, 1, 0, 1, TestTokens.AUTH, true);
    closeAfter.add(ws);
    FrontEnd f =
        FrontEnd.start("127.0.0.1", 0, ws, PickerName.LEAST_CONNECTION, 32, Ticker.system());
    closeAfter.add(f);
    return f;
  }

  private static long successes(FrontEnd f) {
    return f.balancer().snapshot().endpoints().stream().mapToLong(EndpointState::successes).sum();
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  private static EndpointState state(Cluster c, String id) {
    Optional<EndpointState> s =
        c.balancer().snapshot().endpoints().stream()
            .filter(e -> e.endpoint().id().equals(id))
            .findFirst();
    return s.orElseThrow();
  }

  /** The worker processes {@code parent} started, at any depth. */
  static List<ProcessHandle> workerChildren(ProcessHandle parent) {
    return parent
        .descendants()
        .filter(ProcessHandle::isAlive)
        .filter(
            p ->
                p.info()
                    .arguments()
                    .map(a -> List.of(a).contains("worker") && List.of(a).contains("--parent-pid"))
                    .orElse(false))
        .toList();
  }

  private static void killTree(ProcessHandle p) {
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
  }

  private static List<String> javaCommand(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElseThrow());
    cmd.add(Main.class.getName());
    cmd.addAll(List.of(args));
    return cmd;
  }

  private static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("not within 60 s: " + what);
      }
      TimeUnit.MILLISECONDS.sleep(20);
    }
  }

  private static int[] pixels(byte[] png) throws Exception {
    return RenderTest.pixels(ImageIO.read(new ByteArrayInputStream(png)));
  }

  private static int healthStatus(URI worker) {
    try {
      return HTTP.send(
              HttpRequest.newBuilder(worker.resolve("/health"))
                  .timeout(Duration.ofSeconds(2))
                  .build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  private static CompletableFuture<HttpResponse<byte[]>> getAsync(URI base, String path) {
    return HTTP.sendAsync(
        HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(240)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private static HttpResponse<String> get(URI base, String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> post(URI base, String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(base.resolve(path))
            .timeout(Duration.ofSeconds(120))
            .POST(HttpRequest.BodyPublishers.noBody())
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
