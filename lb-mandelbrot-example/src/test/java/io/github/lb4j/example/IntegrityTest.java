package io.github.lb4j.example;

import static io.github.lb4j.example.CliTest.args;
import static io.github.lb4j.example.CliTest.run;
import static io.github.lb4j.example.RenderTest.local;
import static io.github.lb4j.example.RenderTest.pixels;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lb4j.Endpoint;
import io.github.lb4j.HealthState;
import io.github.lb4j.example.FaultyWorker.Fault;
import io.github.lb4j.scatter.HedgePolicy;
import io.github.lb4j.scatter.Progress;
import io.github.lb4j.testing.FakeClock;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Wrong answers, forged answers and fast-failing workers, through real servers on 127.0.0.1: each
 * is rejected, retried elsewhere and ejected, and the image is the local one.
 */
@Timeout(60)
final class IntegrityTest {
  static final View VIEW = RenderTest.VIEW; // 20 tiles of 32 x 32
  static final Cluster.Settings SETTINGS =
      new Cluster.Settings(3, Duration.ofSeconds(10), HedgePolicy.none(), 2);
  static final TileAuth OTHER_TOKEN = TileAuth.of("a-token-that-is-not-the-workers", "the test");

  @TempDir Path dir;

  /** The balancers' scheduler: never advanced, so an ejection lasts the whole test. */
  final FakeClock clock = new FakeClock();

  final List<AutoCloseable> closeAfter = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : closeAfter) {
      c.close();
    }
  }

  FaultyWorker faulty(Fault fault, TileAuth auth) throws IOException {
    FaultyWorker w = new FaultyWorker(fault, auth);
    closeAfter.add(w);
    return w;
  }

  /** Good workers, then {@code faulty} first in the endpoint list, so round-robin starts on it. */
  List<Endpoint> endpoints(FaultyWorker faulty, int good) throws IOException {
    Workers w = Workers.start(good, 1, 0, 1, TestTokens.AUTH);
    closeAfter.add(w);
    List<Endpoint> endpoints = new ArrayList<>(w.endpoints);
    endpoints.add(0, Endpoint.of("faulty", faulty.uri()));
    return endpoints;
  }

  Cluster cluster(List<Endpoint> endpoints) {
    Cluster c =
        new Cluster(
            endpoints,
            PickerName.ROUND_ROBIN,
            SETTINGS,
            TestTokens.AUTH,
            b -> b.scheduler(clock.scheduler()),
            new TileVerifier(42));
    closeAfter.add(0, c);
    return c;
  }

  @Test
  void wrongCounts_caughtRetriedElsewhereAndEjected_imageIdenticalToLocal() throws Exception {
    FaultyWorker liar = faulty(Fault.WRONG_COUNTS, TestTokens.AUTH);
    Cluster c = cluster(endpoints(liar, 2));
    Renderer renderer = new Renderer(64 << 20);

    Renderer.Result r = renderer.render(VIEW, c, p -> {});

    assertArrayEquals(local(VIEW), pixels(r.image()));
    Progress.EndpointProgress p = r.progress().endpoints().get("faulty");
    assertEquals(0, p.completed(), p.toString());
    assertTrue(p.failures() >= 1, p.toString());
    assertEquals(
        HealthState.EJECTED, c.balancer().snapshot().endpoint("faulty").orElseThrow().health());
    // Ejected by its first wrong answer: no tile is sent after, only the two in flight then.
    assertTrue(liar.tileRequests() <= 2, "tiles sent to the liar: " + liar.tileRequests());
  }

  @Test
  void wrongCounts_neverReachTheTileListenerNorTheCache() throws Exception {
    FaultyWorker liar = faulty(Fault.WRONG_COUNTS, TestTokens.AUTH);
    Cluster c = cluster(endpoints(liar, 1));
    List<String> heardFrom = new CopyOnWriteArrayList<>();
    List<Throwable> wrong = new CopyOnWriteArrayList<>();
    Renderer renderer = new Renderer(64 << 20);
    List<View.Tile> tiles = VIEW.tiles();

    List<TileCounts> counts =
        c.compute(
                renderer.tasks(tiles),
                p -> {},
                (spec, worker, tile) -> {
                  heardFrom.add(worker.id());
                  if (!Arrays.equals(Mandelbrot.iterate(spec), tile.toArray())) {
                    wrong.add(new AssertionError("wrong tile heard from " + worker.id()));
                  }
                  renderer.remember(
                      spec, tile); // what serve's render jobs do with each tile heard of
                })
            .get(30, TimeUnit.SECONDS);

    assertEquals(List.of(), wrong);
    assertFalse(heardFrom.contains("faulty"), heardFrom.toString());
    assertEquals(tiles.size(), heardFrom.size());
    List<View.Tile> missing =
        renderer.missing(
            tiles,
            (t, cached) -> assertArrayEquals(Mandelbrot.iterate(t.spec()), cached.toArray()));
    assertEquals(List.of(), missing);
    for (int i = 0; i < tiles.size(); i++) {
      assertArrayEquals(Mandelbrot.iterate(tiles.get(i).spec()), counts.get(i).toArray());
    }
  }

  @Test
  void serve_wrongCounts_imageIdenticalToLocalAndTheCacheServesOnlyVerifiedTiles()
      throws Exception {
    FaultyWorker liar = faulty(Fault.WRONG_COUNTS, TestTokens.AUTH);
    Workers good = Workers.start(1, 1, 0, 1, TestTokens.AUTH);
    closeAfter.add(good);
    ServeCommand cmd = new ServeCommand();
    new CommandLine(cmd)
        .parseArgs(
            "--port",
            "0",
            "--tile",
            "32",
            "--picker",
            "round-robin",
            "--worker-urls",
            liar.uri() + "," + good.started.get(0).uri(),
            "--token-file",
            TestTokens.file(dir).toString());
    try (ServeCommand.Running running = cmd.start()) {
      View view = View.centred(-0.75, 0, 1, 128, 96, 200, 32); // what the query below asks for
      String query = "/render.png?width=128&height=96&maxIter=200";
      assertArrayEquals(local(view), pixels(png(running.uri(), query)), "first render");
      int liarBefore = liar.tileRequests();
      // Every tile is cached now, and every cached tile was verified: a second render is the same.
      assertArrayEquals(local(view), pixels(png(running.uri(), query)), "from the cache");
      assertEquals(liarBefore, liar.tileRequests(), "the second render came from the cache");
      String status = get(running.uri(), "/api/status");
      assertTrue(
          Pattern.compile(
                  "\\{\"id\":\"" + liar.uri() + "\",[^}]*\"successes\":0,[^}]*\"ejections\":[1-9]")
              .matcher(status)
              .find(),
          "the liar was ejected and never succeeded: " + status);
      assertFalse(status.contains(TestTokens.TOKEN), "the token is not in the status");
      assertFalse(get(running.uri(), "/").contains(TestTokens.TOKEN), "nor on the page");
    }
  }

  @Test
  void forgedSignature_rejectedByTheTransport() throws Exception {
    FaultyWorker impostor = faulty(Fault.FORGED_SIGNATURE, OTHER_TOKEN);
    IOException e = sendOne(impostor);
    assertEquals(
        "tile from impostor rejected: X-Tile-Signature missing or wrong (expected: the"
            + " answer signed with the workers' token)",
        e.getMessage());
  }

  @Test
  void forgedSignature_retriedElsewhere_imageIdenticalToLocal() throws Exception {
    FaultyWorker impostor = faulty(Fault.FORGED_SIGNATURE, OTHER_TOKEN);
    Cluster c = cluster(endpoints(impostor, 1));
    Renderer.Result r = new Renderer(0).render(VIEW, c, p -> {});
    assertArrayEquals(local(VIEW), pixels(r.image()));
    assertEquals(0, r.progress().endpoints().get("faulty").completed());
    assertEquals(
        HealthState.EJECTED, c.balancer().snapshot().endpoint("faulty").orElseThrow().health());
  }

  @Test
  void badChecksum_rejectedByTheTransport() throws Exception {
    FaultyWorker damaged = faulty(Fault.BAD_CHECKSUM, TestTokens.AUTH);
    IOException e = sendOne(damaged);
    assertTrue(
        e.getMessage()
            .startsWith(
                "tile from impostor rejected: X-Tile-Checksum:"
                    + " crc32c=00000000 (expected: crc32c="),
        e.getMessage());
  }

  @Test
  void wrongCounts_rejectedByTheTransportNamingThePixel() throws Exception {
    FaultyWorker liar = faulty(Fault.WRONG_COUNTS, TestTokens.AUTH);
    IOException e = sendOne(liar);
    assertTrue(
        e.getMessage()
            .matches(
                "tile from impostor rejected: spot check failed at pixel \\(\\d+, \\d+\\): \\d+ \\(expected:"
                    + " \\d+\\)"),
        e.getMessage());
  }

  @Test
  void countAboveTheLimit_rejectedByTheTransportNamingThePixel() throws Exception {
    FaultyWorker liar = faulty(Fault.COUNT_ABOVE_LIMIT, TestTokens.AUTH);
    IOException e = sendOne(liar);
    TileSpec spec = VIEW.tiles().get(5).spec();
    assertEquals(
        "bad tile from impostor: count at pixel "
            + (spec.pixels() - 1)
            + ": "
            + (spec.maxIter() + 1)
            + " (expected: <= "
            + spec.maxIter()
            + ")",
        e.getMessage());
  }

  @Test
  void countAboveTheLimit_retriedElsewhere_noPixelOfItInTheImage() throws Exception {
    // Its tiles fail only in their last pixel: a decoder writing as it checks would leave all the
    // others in the image, from the attempt that failed, under the retry's.
    FaultyWorker liar = faulty(Fault.COUNT_ABOVE_LIMIT, TestTokens.AUTH);
    Cluster c = cluster(endpoints(liar, 1));
    Renderer.Result r = new Renderer(0).render(VIEW, c, p -> {});
    assertArrayEquals(local(VIEW), pixels(r.image()));
    assertEquals(0, r.progress().endpoints().get("faulty").completed());
    assertTrue(r.progress().endpoints().get("faulty").failures() >= 1);
  }

  @Test
  void wrongToken_theWorkerRefusesAndTheTransportSaysWhy() throws Exception {
    try (WorkerServer worker = WorkerServer.start("127.0.0.1", 0, "w", 1, 1, TestTokens.AUTH)) {
      IOException e = sendOne(worker.uri(), OTHER_TOKEN);
      assertEquals(
          "HTTP 401 from impostor: the worker refused our token (expected: the workers'"
              + " token, from --token-file or LB4J_TOKEN)",
          e.getMessage());
      assertEquals(0, worker.tilesServed());
    }
  }

  private static IOException sendOne(FaultyWorker worker) throws Exception {
    return sendOne(worker.uri(), TestTokens.AUTH);
  }

  /** Sends one tile through the transport, holding {@code auth}, and returns why it failed. */
  private static IOException sendOne(URI worker, TileAuth auth) throws Exception {
    OkHttpClient client = new OkHttpClient.Builder().addInterceptor(auth.interceptor()).build();
    try {
      OkHttpTileTransport transport = new OkHttpTileTransport(client, auth, new TileVerifier(7));
      TileSpec spec = VIEW.tiles().get(5).spec();
      ExecutionException e =
          assertThrows(
              ExecutionException.class,
              () ->
                  transport.send(Endpoint.of("impostor", worker), spec).get(30, TimeUnit.SECONDS));
      return assertInstanceOf(IOException.class, e.getCause());
    } finally {
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    }
  }

  @Test
  void render_threeBlackHolesOfFour_succeedsOnTheGoodOneAndEjectsThem() throws Exception {
    List<FaultyWorker> holes = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      holes.add(faulty(Fault.BLACK_HOLE, TestTokens.AUTH));
    }
    Workers good = Workers.start(1, 1, 0, 1, TestTokens.AUTH);
    closeAfter.add(good);
    List<String> urls = new ArrayList<>();
    holes.forEach(h -> urls.add(h.uri().toString()));
    urls.add(good.started.get(0).uri().toString());
    String common = "render --width 256 --height 192 --max-iter 200 --tile 32 --quiet --out";
    Path local = dir.resolve("local.png");
    Path dist = dir.resolve("dist.png");
    assertEquals(0, run(args(common, local.toString(), "--local")).status());

    CliTest.Run r =
        run(
            args(
                common,
                dist.toString(),
                "--worker-urls",
                String.join(",", urls),
                "--token-file",
                TestTokens.file(dir).toString()));

    assertEquals(0, r.status(), r.err());
    assertArrayEquals(Files.readAllBytes(local), Files.readAllBytes(dist));
    assertTrue(r.out().contains(good.started.get(0).uri() + " "), r.out());
    for (FaultyWorker h : holes) {
      // Ejected by its first failure: only the two tiles in flight on it then (of 48; without
      // ejection a fast-failing worker draws most of least-connection's traffic).
      assertTrue(h.tileRequests() <= 2, "tiles sent to a black hole: " + h.tileRequests());
    }
  }

  static BufferedImage png(URI base, String path) throws Exception {
    HttpResponse<byte[]> r =
        HTTP.send(
            HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30)).build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
    return ImageIO.read(new ByteArrayInputStream(r.body()));
  }

  static String get(URI base, String path) throws Exception {
    return HTTP.send(
            HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30)).build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  private static final HttpClient HTTP = HttpClient.newHttpClient();
}
