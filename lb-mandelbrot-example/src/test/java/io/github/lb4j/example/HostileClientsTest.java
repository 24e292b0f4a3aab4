package io.github.lb4j.example;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lb4j.Endpoint;
import io.github.lb4j.Ticker;
import io.github.lb4j.scatter.HedgePolicy;
import io.github.lb4j.scatter.Progress;
import io.github.lb4j.scatter.Task;
import io.github.lb4j.testing.FakeClock;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The servers under hostile or careless clients: slow and half-sent requests, busy workers, runaway
 * and abandoned renders, malformed requests. Real servers on 127.0.0.1; the timeouts are hang
 * guards, never what is asserted.
 */
@Timeout(120)
final class HostileClientsTest {
  private static final String TILE =
      "/tile?reMin=-2&reMax=1&imMin=-1&imMax=1&width=16&height=16&maxIter=50";

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  @RegisterExtension final Closer closer = new Closer();
  private final CountDownLatch release = new CountDownLatch(1);

  @TempDir Path dir;

  @AfterEach
  void releaseBlockedHandlers() {
    release.countDown(); // before the servers close: a handler may be waiting on it
  }

  /** A worker whose tiles block until the test releases them (or they are told to stop). */
  private WorkerServer blockedWorker(String id, int threads, CountDownLatch entered, Ticker ticker)
      throws IOException {
    return closer.add(
        WorkerServer.start(
            "127.0.0.1",
            0,
            id,
            threads,
            1,
            TestTokens.AUTH,
            (spec, stop) -> {
              entered.countDown();
              while (!stop.getAsBoolean()) {
                if (release.await(1, TimeUnit.MILLISECONDS)) {
                  return new int[spec.width() * spec.height()];
                }
              }
              return null;
            },
            ticker));
  }

  /** A request carrying the test workers' token. */
  private static HttpRequest.Builder authorized(URI uri) {
    return HttpRequest.newBuilder(uri).header(TileAuth.AUTHORIZATION, "Bearer " + TestTokens.TOKEN);
  }

  private HttpResponse<String> get(URI base, String path) throws Exception {
    return send("GET", base, path);
  }

  private HttpResponse<String> send(String method, URI base, String path) throws Exception {
    return http.send(
        authorized(base.resolve(path))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .timeout(Duration.ofSeconds(30))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Sends {@code request} as is on a fresh connection and reads the whole answer. */
  private static String raw(URI base, String request) throws IOException {
    try (Socket s = new Socket(base.getHost(), base.getPort())) {
      s.setSoTimeout(30_000);
      s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }

  private static void awaitTrue(BooleanSupplier condition, String what) throws Exception {
    boolean met = condition.getAsBoolean();
    for (int i = 0; i < 30_000 && !met; i++) {
      Thread.sleep(1); // a hang guard: the condition is what is asserted
      met = condition.getAsBoolean();
    }
    assertTrue(met, what);
  }

  private List<Socket> halfSentRequests(URI base, int n) throws IOException {
    List<Socket> sockets = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Socket s = closer.add(new Socket(base.getHost(), base.getPort()));
      s.getOutputStream().write("GET /hea".getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      sockets.add(s);
    }
    return sockets;
  }

  private static String field(String json, String name) {
    Matcher m = Pattern.compile("\"" + name + "\":(\"[^\"]*\"|[^,}]*)").matcher(json);
    assertTrue(m.find(), name + " in " + json);
    String v = m.group(1);
    return v.startsWith("\"") ? v.substring(1, v.length() - 1) : v;
  }

  // ---- D0, D1: slow clients and busy workers

  @Test
  void workerHealth_withHalfSentRequestsOpen_answers() throws Exception {
    WorkerServer w = closer.add(WorkerServer.start("127.0.0.1", 0, "w", 1, 1, TestTokens.AUTH));
    halfSentRequests(w.uri(), 16);
    HttpResponse<String> health = get(w.uri(), "/health");
    assertEquals(200, health.statusCode(), health.body());
    assertEquals(200, get(w.uri(), TILE).statusCode());
  }

  @Test
  void frontEndStatus_withHalfSentRequestsOpen_answers() throws Exception {
    WorkerServer w = closer.add(WorkerServer.start("127.0.0.1", 0, "w", 1, 1, TestTokens.AUTH));
    FrontEnd f =
        closer.add(
            FrontEnd.start(
                "127.0.0.1",
                0,
                Workers.remote(List.of(w.uri().toString()), () -> TestTokens.AUTH),
                PickerName.ROUND_ROBIN,
                32,
                Ticker.system()));
    halfSentRequests(f.uri(), 16);
    HttpResponse<String> status = get(f.uri(), "/api/status");
    assertEquals(200, status.statusCode(), status.body());
  }

  @Test
  void workerHealth_underAFullComputeQueue_answersWithQueueAndInFlight() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    WorkerServer w = blockedWorker("busy", 1, entered, Ticker.system());
    List<CompletableFuture<HttpResponse<String>>> tiles = new ArrayList<>();
    for (int i = 0; i <= WorkerServer.MAX_QUEUED; i++) {
      tiles.add(
          http.sendAsync(
              authorized(w.uri().resolve(TILE)).build(), HttpResponse.BodyHandlers.ofString()));
    }
    entered.await();
    String[] body = {""};
    awaitTrue(
        () -> {
          try {
            body[0] = get(w.uri(), "/health").body();
          } catch (Exception e) {
            throw new AssertionError(e);
          }
          return body[0].contains("\"queued\":" + WorkerServer.MAX_QUEUED);
        },
        "the queue fills");
    // The compute thread is still blocked, the queue full: /health answered all the same.
    assertEquals("1", field(body[0], "inFlight"), body[0]);
    assertEquals("1", field(body[0], "threads"), body[0]);
    HttpResponse<String> more = get(w.uri(), TILE);
    assertEquals(503, more.statusCode(), more.body());
    assertEquals("1", more.headers().firstValue("Retry-After").orElse(""));
    release.countDown();
    for (CompletableFuture<HttpResponse<String>> t : tiles) {
      assertEquals(200, t.get().statusCode());
    }
  }

  // ---- D4: cancellation and admission

  @Test
  void tile_clientDisconnects_computationStops() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    WorkerServer w = blockedWorker("w", 1, entered, Ticker.system());
    Socket s = new Socket("127.0.0.1", w.uri().getPort());
    s.getOutputStream()
        .write(
            ("GET "
                    + TILE
                    + " HTTP/1.1\r\nHost: w\r\n"
                    + TileAuth.AUTHORIZATION
                    + ": Bearer "
                    + TestTokens.TOKEN
                    + "\r\n\r\n")
                .getBytes());
    entered.await();
    assertEquals(1, w.inFlight());
    s.close();
    awaitTrue(() -> w.inFlight() == 0, "the tile stops once its client left");
    assertEquals(1, w.tilesStopped());
    assertEquals(0, w.tilesServed());
  }

  @Test
  void hedgedTile_theLosingCopyIsStoppedAtItsWorker() throws Exception {
    // The first copy of the tile blocks on whichever worker gets it; the hedge, sent to the other
    // (idle) worker, computes it. Once the hedge wins, the loser's call is cancelled: its worker
    // must see the client gone and stop, not compute the tile to the end.
    AtomicBoolean first = new AtomicBoolean(true);
    CountDownLatch entered = new CountDownLatch(1);
    WorkerServer.Kernel kernel =
        (spec, stop) -> {
          if (!first.getAndSet(false)) {
            return Mandelbrot.iterate(spec, stop);
          }
          entered.countDown();
          while (!stop.getAsBoolean()) {
            if (release.await(1, TimeUnit.MILLISECONDS)) {
              return Mandelbrot.iterate(spec, stop);
            }
          }
          return null;
        };
    List<WorkerServer> workers = new ArrayList<>();
    for (String id : List.of("a", "b")) {
      workers.add(
          closer.add(
              WorkerServer.start(
                  "127.0.0.1", 0, id, 1, 1, TestTokens.AUTH, kernel, Ticker.system())));
    }
    Cluster c =
        closer.add(
            new Cluster(
                workers.stream().map(w -> Endpoint.of(w.uri().toString())).toList(),
                PickerName.ROUND_ROBIN,
                new Cluster.Settings(
                    3, Duration.ofSeconds(30), HedgePolicy.after(Duration.ofMillis(20)), 2),
                TestTokens.AUTH));
    TileSpec spec = new TileSpec(-2, 1, -1, 1, 16, 16, 50);
    List<Progress> reports = new CopyOnWriteArrayList<>();

    List<TileCounts> r = c.compute(List.of(Task.of(spec)), reports::add).get(30, TimeUnit.SECONDS);

    assertTrue(entered.getCount() == 0, "the first copy reached its worker");
    assertArrayEquals(Mandelbrot.iterate(spec), r.get(0).toArray());
    assertEquals(1, reports.get(reports.size() - 1).hedges());
    awaitTrue(
        () -> workers.stream().mapToInt(WorkerServer::tilesStopped).sum() == 1,
        "the losing copy's worker stopped computing it");
    assertEquals(0, workers.get(0).inFlight() + workers.get(1).inFlight());
    assertEquals(1, workers.stream().mapToInt(WorkerServer::tilesServed).sum(), "one answer");
  }

  /** Regression: Jetty's idle timeout fired during a long computation and read as "client left". */
  @Test
  void clientGone_computationOutlastsTheIdleTimeout_clientNotGone() throws Exception {
    com.sun.net.httpserver.HttpServer server =
        HttpServers.create(
            "idle", "127.0.0.1", 0, new HttpServers.Limits(8, 16, Duration.ofMillis(100), 8192));
    AutoCloseable unusedStopper = closer.add(() -> server.stop(0));
    boolean[] gone = {false};
    server.createContext(
        "/",
        ex -> {
          try (ex) {
            BooleanSupplier g = HttpServers.clientGone(ex);
            // Five idle timeouts pass while "computing"; the client still waits.
            for (int i = 0; i < 50 && !gone[0]; i++) {
              gone[0] = g.getAsBoolean();
              Thread.sleep(10);
            }
            HttpServers.send(ex, 200, "text/plain", new byte[] {'o', 'k'});
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    URI base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    HttpResponse<String> r = get(base, "/");
    assertEquals(200, r.statusCode());
    assertEquals("ok", r.body());
    assertFalse(gone[0], "a computation longer than the idle timeout is not a client that left");
  }

  @Test
  void tile_deadlinePasses_computationStopsAnd503NamesTheDeadline() throws Exception {
    FakeClock clock = new FakeClock();
    CountDownLatch entered = new CountDownLatch(1);
    WorkerServer w = blockedWorker("w", 1, entered, clock);
    CompletableFuture<HttpResponse<String>> tile =
        http.sendAsync(
            authorized(w.uri().resolve(TILE)).header(WorkerServer.DEADLINE_HEADER, "500").build(),
            HttpResponse.BodyHandlers.ofString());
    entered.await();
    clock.advance(Duration.ofMillis(499));
    assertEquals(1, w.inFlight(), "not yet due");
    clock.advance(Duration.ofMillis(1));
    HttpResponse<String> r = tile.get();
    assertEquals(503, r.statusCode(), r.body());
    assertEquals("the tile's deadline (500 ms) passed", field(r.body(), "message"));
    awaitTrue(() -> w.inFlight() == 0, "in flight back to 0");
  }

  @Test
  void tile_badDeadlineHeader_400NamingIt() throws Exception {
    WorkerServer w = closer.add(WorkerServer.start("127.0.0.1", 0, "w", 1, 1, TestTokens.AUTH));
    HttpResponse<String> r =
        http.send(
            authorized(w.uri().resolve(TILE)).header(WorkerServer.DEADLINE_HEADER, "soon").build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(400, r.statusCode());
    assertEquals(WorkerServer.DEADLINE_HEADER, field(r.body(), "parameter"));
    assertEquals(
        "X-Deadline-Ms: 'soon' (expected: milliseconds in [1, 3600000])",
        field(r.body(), "message"));
  }

  @Test
  void renders_overCostTooManyAndCancelled() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    WorkerServer w = blockedWorker("w", 1, entered, Ticker.system());
    FrontEnd f =
        closer.add(
            FrontEnd.start(
                "127.0.0.1",
                0,
                Workers.remote(List.of(w.uri().toString()), () -> TestTokens.AUTH),
                PickerName.ROUND_ROBIN,
                32,
                Ticker.system(),
                null,
                new FrontEnd.Admission(1_000_000, 1)));

    HttpResponse<String> over =
        send("POST", f.uri(), "/api/renders?width=200&height=100&maxIter=51");
    assertEquals(400, over.statusCode(), over.body());
    assertEquals("application/json", over.headers().firstValue("Content-Type").orElse(""));
    assertEquals(
        "cost: 200x100 pixels x 51 iterations = 1020000 (expected: at most max-cost "
            + "1000000; lower maxIter or the size)",
        field(over.body(), "message"));

    HttpResponse<String> first =
        send("POST", f.uri(), "/api/renders?width=64&height=64&maxIter=50");
    assertEquals(202, first.statusCode(), first.body());
    String id = field(first.body(), "id");
    HttpResponse<String> second =
        send("POST", f.uri(), "/api/renders?width=64&height=64&maxIter=50");
    assertEquals(429, second.statusCode(), second.body());
    assertEquals(
        String.valueOf(FrontEnd.RETRY_AFTER_S),
        second.headers().firstValue("Retry-After").orElse(""));
    assertEquals("too many renders", field(second.body(), "error"));

    entered.await();
    HttpResponse<String> cancelled = send("DELETE", f.uri(), "/api/renders/" + id);
    assertEquals(200, cancelled.statusCode(), cancelled.body());
    assertEquals("cancelled", field(cancelled.body(), "state"));
    awaitTrue(() -> w.inFlight() == 0, "the worker stops the cancelled render's tiles");
    awaitTrue(
        () -> {
          try {
            return field(get(w.uri(), "/health").body(), "inFlight").equals("0");
          } catch (Exception e) {
            throw new AssertionError(e);
          }
        },
        "/health reports no tile in flight");
    assertTrue(w.tilesStopped() >= 1, "stopped: " + w.tilesStopped());
    assertEquals("cancelled", field(get(f.uri(), "/api/renders/" + id).body(), "state"));
    release.countDown();
    // The slot is free again.
    awaitTrue(
        () -> {
          try {
            return send("POST", f.uri(), "/api/renders?width=64&height=64&maxIter=50").statusCode()
                == 202;
          } catch (Exception e) {
            throw new AssertionError(e);
          }
        },
        "a new render is admitted once the cancelled one is over");
    assertEquals(404, send("DELETE", f.uri(), "/api/renders/r999").statusCode());
  }

  // ---- D6: retired clusters let go of their connections

  @Test
  void serve_hundredPickerSwitches_fdCountStable() throws Exception {
    ServeCommand cmd = new ServeCommand();
    new picocli.CommandLine(cmd).parseArgs("--port", "0", "--workers", "2", "--tile", "32");
    ServeCommand.Running running = closer.add(cmd.start());
    URI base = running.frontEnd.uri();
    String[] pickers = {"round-robin", "least-connection"};
    for (int i = 0; i < 10; i++) {
      assertEquals(
          200,
          get(
                  base,
                  "/render.png?width=64&height=32&maxIter=20&re="
                      + (i / 100.0)
                      + "&picker="
                      + pickers[i % 2])
              .statusCode());
    }
    long before = openFds();
    for (int i = 10; i < 110; i++) {
      HttpResponse<String> r =
          get(
              base,
              "/render.png?width=64&height=32&maxIter=20&re="
                  + (i / 1000.0)
                  + "&picker="
                  + pickers[i % 2]);
      assertEquals(200, r.statusCode(), r.body());
    }
    long after = openFds();
    // Each switch made a cluster with its own connections: 100 of them would leak 200 or more.
    assertTrue(after <= before + 20, "fds before: " + before + ", after 100 switches: " + after);
  }

  private static long openFds() throws IOException {
    try (var s = Files.list(Path.of("/proc/self/fd"))) {
      return s.count();
    }
  }

  // ---- D7-D9: malformed requests

  @Test
  void malformedUris_400Json() throws Exception {
    WorkerServer w = closer.add(WorkerServer.start("127.0.0.1", 0, "w", 1, 1, TestTokens.AUTH));
    FrontEnd f =
        closer.add(
            FrontEnd.start(
                "127.0.0.1",
                0,
                Workers.remote(List.of(w.uri().toString()), () -> TestTokens.AUTH),
                PickerName.ROUND_ROBIN,
                32,
                Ticker.system()));
    for (String[] t :
        new String[][] {
          {w.uri().toString(), "/health?x=%zz"}, {w.uri().toString(), "/tile?x=%zz"},
          {f.uri().toString(), "/api/status?x=%zz"}, {f.uri().toString(), "/render.png?re=%2"}
        }) {
      assertBadRequest(URI.create(t[0]), t[1]);
    }
    for (URI base : List.of(w.uri(), f.uri())) {
      for (String target : List.of("/ap%zzi", "/a\\b", "/health\\")) {
        assertBadRequest(base, target);
      }
    }
  }

  private static void assertBadRequest(URI base, String target) throws IOException {
    String answer =
        raw(
            base,
            "GET "
                + target
                + " HTTP/1.1\r\nHost: x\r\n"
                + TileAuth.AUTHORIZATION
                + ": Bearer "
                + TestTokens.TOKEN
                + "\r\nConnection: close\r\n\r\n");
    assertTrue(answer.startsWith("HTTP/1.1 400 "), target + " on " + base + ": " + answer);
    assertTrue(answer.contains("Content-Type: application/json"), answer);
    assertTrue(answer.contains("{\"error\":\"bad request\""), answer);
    assertFalse(answer.contains("Exception"), answer);
  }

  @Test
  void overLongHeader_431Json() throws Exception {
    WorkerServer w = closer.add(WorkerServer.start("127.0.0.1", 0, "w", 1, 1, TestTokens.AUTH));
    String answer =
        raw(
            w.uri(),
            "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: "
                + "a".repeat(10_000)
                + "\r\nConnection: close\r\n\r\n");
    assertTrue(answer.startsWith("HTTP/1.1 431 "), answer);
    assertTrue(
        answer.endsWith(
            "{\"error\":\"header too large\",\"message\":\"Request Header Fields Too Large\"}"),
        answer);
  }

  @Test
  void repeatedAndUnknownParameters_400NamingThem() throws Exception {
    WorkerServer w = closer.add(WorkerServer.start("127.0.0.1", 0, "w", 1, 1, TestTokens.AUTH));
    FrontEnd f =
        closer.add(
            FrontEnd.start(
                "127.0.0.1",
                0,
                Workers.remote(List.of(w.uri().toString()), () -> TestTokens.AUTH),
                PickerName.ROUND_ROBIN,
                32,
                Ticker.system()));
    HttpResponse<String> repeated = get(w.uri(), TILE + "&width=32");
    assertEquals(400, repeated.statusCode());
    assertEquals("width", field(repeated.body(), "parameter"));
    assertEquals("width: given more than once (expected: once)", field(repeated.body(), "message"));

    HttpResponse<String> unknown = get(f.uri(), "/render.png?width=64&colour=red");
    assertEquals(400, unknown.statusCode());
    assertEquals("colour", field(unknown.body(), "parameter"));
    assertEquals(
        "colour: unknown parameter (expected one of: height, im, maxIter, picker, re, "
            + "recompute, tile, width, zoom)",
        field(unknown.body(), "message"));

    HttpResponse<String> healthUnknown = get(w.uri(), "/health?verbose=1");
    assertEquals(400, healthUnknown.statusCode());
    assertEquals(
        "verbose: unknown parameter (expected none)", field(healthUnknown.body(), "message"));

    HttpResponse<String> tileUnknown = get(w.uri(), TILE + "&seed=1");
    assertEquals(400, tileUnknown.statusCode());
    assertEquals(
        "seed: unknown parameter (expected one of: format, height, imMax, imMin, "
            + "maxIter, reMax, reMin, width)",
        field(tileUnknown.body(), "message"));
  }

  @Test
  void head_onEveryGetResource_headersWithoutBody() throws Exception {
    WorkerServer w = closer.add(WorkerServer.start("127.0.0.1", 0, "w", 1, 1, TestTokens.AUTH));
    FrontEnd f =
        closer.add(
            FrontEnd.start(
                "127.0.0.1",
                0,
                Workers.remote(List.of(w.uri().toString()), () -> TestTokens.AUTH),
                PickerName.ROUND_ROBIN,
                32,
                Ticker.system()));
    String id =
        field(send("POST", f.uri(), "/api/renders?width=64&height=64&maxIter=20").body(), "id");
    for (String[] target :
        new String[][] {
          {w.uri().toString(), "/health"}, {w.uri().toString(), TILE},
          {f.uri().toString(), "/"}, {f.uri().toString(), "/index.html"},
          {f.uri().toString(), "/static/app.js"}, {f.uri().toString(), "/api/status"},
          {f.uri().toString(), "/api/renders/" + id}, {f.uri().toString(), "/render.png?width=32"}
        }) {
      HttpResponse<String> get = get(URI.create(target[0]), target[1]);
      HttpResponse<String> head = send("HEAD", URI.create(target[0]), target[1]);
      assertEquals(200, head.statusCode(), target[1]);
      assertEquals("", head.body(), target[1]);
      assertEquals(
          get.headers().firstValue("Content-Type"),
          head.headers().firstValue("Content-Type"),
          target[1]);
    }
    HttpResponse<String> put = send("PUT", f.uri(), "/api/status");
    assertEquals(405, put.statusCode());
    assertEquals("GET, HEAD", put.headers().firstValue("Allow").orElse(""));
  }

  // ---- D10, D11: errors that say what to do

  @Test
  void allWorkersDead_oneShortSummaryLine() throws Exception {
    int dead;
    try (ServerSocket s = new ServerSocket(0)) {
      dead = s.getLocalPort(); // closed again: connections are refused
    }
    Cluster c =
        closer.add(
            new Cluster(
                List.of(io.github.lb4j.Endpoint.of("dead", URI.create("http://127.0.0.1:" + dead))),
                PickerName.ROUND_ROBIN,
                Cluster.Settings.defaults(),
                TestTokens.AUTH));
    View view = View.centred(-0.75, 0, 1, 256, 256, 20, 32);
    RenderException e =
        assertThrows(RenderException.class, () -> new Renderer(1 << 20).render(view, c, p -> {}));
    String m = e.getMessage();
    assertTrue(m.startsWith("render failed: 64 of 64 tiles failed; first: task 0"), m);
    assertTrue(m.endsWith("; 61 more in the debug log"), m);
    assertFalse(m.contains("\n"), m);
    assertTrue(m.length() < 4 * RenderException.FAILURE_CHARS + 100, m.length() + ": " + m);
  }

  @Test
  void renderOutIsADirectory_failsBeforeAnyWork() {
    CliTest.Run r =
        CliTest.run("render", "--worker-urls", "http://127.0.0.1:1", "--out", dir.toString());
    assertEquals(2, r.status(), r.err());
    assertTrue(
        r.err().contains("out: " + dir + " is a directory (expected: a PNG file to write"),
        r.err());
    assertFalse(r.err().contains("render failed"), r.err());
  }

  @Test
  void bindErrors_nameTheAddressAndPortAndSuggestPort() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      int port = taken.getLocalPort();
      IOException e =
          assertThrows(
              IOException.class,
              () -> WorkerServer.start("127.0.0.1", port, "w", 1, 1, TestTokens.AUTH));
      assertEquals(
          "cannot listen on 127.0.0.1:"
              + port
              + ": the port is in use or not allowed "
              + "(try another --port, or --port 0 for any free one)",
          e.getMessage());
    }
    IOException e =
        assertThrows(
            IOException.class,
            () -> WorkerServer.start("no-such-host.invalid", 8080, "w", 1, 1, TestTokens.AUTH));
    assertEquals(
        "cannot listen on no-such-host.invalid:8080: the address 'no-such-host.invalid' "
            + "does not resolve (check --bind)",
        e.getMessage());
  }
}
