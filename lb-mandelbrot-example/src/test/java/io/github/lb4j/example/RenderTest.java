package io.github.lb4j.example;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.github.lb4j.Endpoint;
import io.github.lb4j.EndpointState;
import io.github.lb4j.scatter.HedgePolicy;
import io.github.lb4j.scatter.Progress;
import io.github.lb4j.scatter.ScatterGatherException;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Renders through real workers on 127.0.0.1, with faults, against the local reference. */
@Timeout(60)
class RenderTest {
  static final View VIEW = View.centred(-0.75, 0.1, 1.2, 160, 120, 300, 32); // 20 tiles
  static final Cluster.Settings SETTINGS =
      new Cluster.Settings(3, Duration.ofSeconds(10), HedgePolicy.none(), 2);

  final List<AutoCloseable> closeAfter = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : closeAfter) {
      c.close();
    }
  }

  static int[] pixels(BufferedImage img) {
    return img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
  }

  static int[] local(View view) {
    try (LocalTileSource src = new LocalTileSource(2)) {
      return pixels(new Renderer(0).render(view, src, p -> {}).image());
    }
  }

  Workers workers(int n) throws IOException {
    Workers w = Workers.start(n, 1, 0, 1, TestTokens.AUTH);
    closeAfter.add(w);
    return w;
  }

  Cluster cluster(List<Endpoint> endpoints, PickerName picker, Cluster.Settings settings) {
    Cluster c = new Cluster(endpoints, picker, settings, TestTokens.AUTH);
    closeAfter.add(0, c);
    return c;
  }

  @ParameterizedTest
  @EnumSource(PickerName.class)
  void aDistributedRenderIsPixelIdenticalToTheLocalOne(PickerName picker) throws IOException {
    Workers w = workers(3);
    Renderer.Result r =
        new Renderer(0).render(VIEW, cluster(w.endpoints, picker, SETTINGS), p -> {});
    assertArrayEquals(local(VIEW), pixels(r.image()));
    assertEquals(20, r.progress().completed());
    assertEquals(20, w.started.stream().mapToInt(LocalWorker::tilesServed).sum());
  }

  @Test
  void aRender_leavesNoCancelledTimerQueued() throws IOException {
    Workers w = workers(2);
    Cluster c =
        cluster(
            w.endpoints,
            PickerName.LEAST_CONNECTION,
            new Cluster.Settings(3, Duration.ofMinutes(10), HedgePolicy.pastExpected(3), 2));
    Renderer.Result r = new Renderer(0).render(VIEW, c, p -> {});
    assertEquals(20, r.progress().completed());
    // Every attempt armed a timeout, cancelled when its answer came; queued until due, each would
    // keep its attempt and its tile's counts reachable for the 10 minutes.
    assertEquals(0, c.queuedTimers());
  }

  @Test
  void aRender_handsEachWorkersLoadReportToTheBalancer() throws IOException {
    Workers w = workers(2);
    Cluster c = cluster(w.endpoints, PickerName.REPORTED_LOAD, SETTINGS);
    Renderer.Result r = new Renderer(0).render(VIEW, c, p -> {});
    assertArrayEquals(local(VIEW), pixels(r.image()));
    for (LocalWorker s : w.started) {
      EndpointState state = c.balancer().snapshot().endpoint(s.id()).orElseThrow();
      if (s.tilesServed() > 0) {
        assertNotNull(state.loadReport(), s.id());
        assertTrue(state.loadReport().rps() > 0, state.loadReport().toString());
      }
      assertEquals(0, state.malformedLoadReports(), s.id());
    }
  }

  @Test
  void reRenderingTheSameViewReusesCachedTiles() throws IOException {
    Workers w = workers(2);
    Cluster c = cluster(w.endpoints, PickerName.ROUND_ROBIN, SETTINGS);
    Renderer renderer = new Renderer(1 << 20);
    Renderer.Result first = renderer.render(VIEW, c, p -> {});
    Renderer.Result second = renderer.render(VIEW, c, p -> {});
    assertEquals(0, first.cached());
    assertEquals(20, second.cached());
    assertEquals(20, w.started.stream().mapToInt(LocalWorker::tilesServed).sum());
    assertArrayEquals(pixels(first.image()), pixels(second.image()));
  }

  @Test
  void aCacheTooSmallForATileKeepsNothing() throws IOException {
    Workers w = workers(1);
    Cluster c = cluster(w.endpoints, PickerName.ROUND_ROBIN, SETTINGS);
    Renderer renderer = new Renderer(100); // one 32x32 tile weighs 4 KiB
    renderer.render(VIEW, c, p -> {});
    assertEquals(0, renderer.render(VIEW, c, p -> {}).cached());
  }

  @Test
  void aWorkerKilledMidRenderHasItsTilesRedoneElsewhere() throws IOException {
    Workers w = workers(3);
    LocalWorker victim = w.started.get(0);
    AtomicBoolean killed = new AtomicBoolean();
    Renderer.Result r =
        new Renderer(0)
            .render(
                VIEW,
                cluster(w.endpoints, PickerName.ROUND_ROBIN, SETTINGS),
                p -> {
                  if (p.done() == 3 && killed.compareAndSet(false, true)) {
                    victim.close();
                  }
                });
    assertTrue(killed.get());
    assertArrayEquals(local(VIEW), pixels(r.image()));
    Progress.EndpointProgress v = r.progress().endpoints().get(victim.id());
    assertTrue(v.failures() >= 1, "attempts failed on the killed worker: " + v);
    assertTrue(v.completed() < 20 - 3, "the killed worker stopped serving: " + v);
    assertTrue(r.progress().retries() >= v.failures(), r.progress().toString());
  }

  @Test
  void aWorkerThatNeverAnswersIsHedgedAroundInBoundedTime() throws Exception {
    Workers w = workers(2);
    SilentServer silent = new SilentServer();
    closeAfter.add(silent);
    List<Endpoint> endpoints = new ArrayList<>(w.endpoints);
    endpoints.add(0, Endpoint.of("silent", silent.uri()));
    Cluster.Settings settings =
        new Cluster.Settings(
            3, Duration.ofSeconds(5), HedgePolicy.after(Duration.ofMillis(150)), 2);
    Renderer.Result r =
        new Renderer(0).render(VIEW, cluster(endpoints, PickerName.ROUND_ROBIN, settings), p -> {});
    assertArrayEquals(local(VIEW), pixels(r.image()));
    assertTrue(r.progress().hedges() >= 1, r.progress().toString());
    assertEquals(0, r.progress().endpoints().get("silent").completed());
    assertTrue(silent.accepted.size() >= 1);
  }

  @Test
  void aWorkerThatNeverAnswersTimesOutWithoutHedging() throws Exception {
    Workers w = workers(1);
    SilentServer silent = new SilentServer();
    closeAfter.add(silent);
    List<Endpoint> endpoints = List.of(Endpoint.of("silent", silent.uri()), w.endpoints.get(0));
    Cluster.Settings settings =
        new Cluster.Settings(3, Duration.ofMillis(300), HedgePolicy.none(), 2);
    View small = View.centred(-0.75, 0, 1, 64, 32, 100, 32); // 2 tiles
    Renderer.Result r =
        new Renderer(0)
            .render(small, cluster(endpoints, PickerName.ROUND_ROBIN, settings), p -> {});
    assertArrayEquals(local(small), pixels(r.image()));
    assertTrue(r.progress().endpoints().get("silent").failures() >= 1, r.progress().toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"500", "text", "short", "counts", "no-id"})
  void aWorkerAnsweringGarbageIsRetriedElsewhereAndNeverAssembled(String garbage) throws Exception {
    Workers w = workers(2);
    HttpServer bad = garbageServer(garbage);
    closeAfter.add(() -> bad.stop(0));
    List<Endpoint> endpoints = new ArrayList<>(w.endpoints);
    endpoints.add(
        0, Endpoint.of("garbage", URI.create("http://127.0.0.1:" + bad.getAddress().getPort())));
    Renderer.Result r =
        new Renderer(0).render(VIEW, cluster(endpoints, PickerName.ROUND_ROBIN, SETTINGS), p -> {});
    assertArrayEquals(local(VIEW), pixels(r.image()));
    Progress.EndpointProgress g = r.progress().endpoints().get("garbage");
    assertEquals(0, g.completed());
    assertEquals(g.attempts(), g.failures());
    assertTrue(g.failures() >= 1);
  }

  @Test
  void allWorkersDeadFailsNamingEveryTile() throws IOException {
    Workers w = workers(2);
    w.close();
    View small = View.centred(-0.75, 0, 1, 64, 32, 100, 32); // 2 tiles
    Cluster c = cluster(w.endpoints, PickerName.ROUND_ROBIN, SETTINGS);
    RenderException e =
        assertThrows(RenderException.class, () -> new Renderer(0).render(small, c, p -> {}));
    ScatterGatherException sge = assertInstanceOf(ScatterGatherException.class, e.getCause());
    assertEquals(2, sge.failures().size());
    assertTrue(
        e.getMessage()
            .startsWith(
                "render failed: 2 of 2 tiles failed; first: task 0 (key 'tile-0-0'): attempt 1 on worker-"),
        e.getMessage());
    assertTrue(e.getMessage().contains("task 1 (key 'tile-32-0')"), e.getMessage());
  }

  /** Accepts connections and never answers. */
  static final class SilentServer implements AutoCloseable {
    final ServerSocket socket;
    final List<Socket> accepted = new CopyOnWriteArrayList<>();
    final AtomicReference<Thread> acceptor = new AtomicReference<>();

    SilentServer() throws IOException {
      socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread t =
          new Thread(
              () -> {
                while (!socket.isClosed()) {
                  try {
                    accepted.add(socket.accept());
                  } catch (IOException e) {
                    return;
                  }
                }
              },
              "silent-acceptor");
      t.setDaemon(true);
      t.start();
      acceptor.set(t);
    }

    URI uri() {
      return URI.create("http://127.0.0.1:" + socket.getLocalPort());
    }

    @Override
    public void close() throws IOException {
      socket.close();
      for (Socket s : accepted) {
        s.close();
      }
    }
  }

  /** A server answering every tile request wrongly in one way. */
  static HttpServer garbageServer(String kind) throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    s.createContext(
        "/",
        ex -> {
          try (ex) {
            TileSpec spec = new TileSpec(-2, 1, -1, 1, 32, 32, 300);
            byte[] body;
            int status = 200;
            String type = TileCodec.RAW_TYPE;
            switch (kind) {
              case "500" -> {
                status = 500;
                body = "oops".getBytes();
              }
              case "text" -> {
                type = "text/plain";
                body = new byte[spec.pixels() * 2];
              }
              case "short" -> body = new byte[7];
              case "counts" -> {
                // right length for a 32x32 tile, every count above the limit
                int[] counts = new int[spec.pixels()];
                java.util.Arrays.fill(counts, 65_000);
                body = TileCodec.encodeRaw(counts);
              }
              default -> body = new byte[0];
            }
            ex.getResponseHeaders().set("Content-Type", type);
            if (!kind.equals("no-id")) {
              ex.getResponseHeaders().set(WorkerServer.WORKER_ID_HEADER, "garbage");
            }
            ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            try (OutputStream o = ex.getResponseBody()) {
              o.write(body);
            }
          }
        });
    s.start();
    return s;
  }
}
