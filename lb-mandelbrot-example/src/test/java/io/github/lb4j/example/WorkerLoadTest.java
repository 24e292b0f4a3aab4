package io.github.lb4j.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lb4j.LoadReport;
import io.github.lb4j.Ticker;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The load a worker reports in its answers, and the CPU a spin-slowed worker burns. */
@Timeout(60)
final class WorkerLoadTest {
  static final String TILE = "reMin=-2&reMax=1&imMin=-1&imMax=1&width=8&height=4&maxIter=100";
  static final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  final List<AutoCloseable> toClose = new ArrayList<>();
  final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void closeAll() throws Exception {
    release.countDown();
    for (AutoCloseable c : toClose) {
      c.close();
    }
  }

  WorkerServer worker(int threads, WorkerServer.Kernel kernel) throws Exception {
    WorkerServer w =
        WorkerServer.start(
            "127.0.0.1", 0, "w", threads, 1, TestTokens.AUTH, kernel, Ticker.system());
    toClose.add(w);
    return w;
  }

  static HttpResponse<byte[]> get(URI base, String path) throws Exception {
    return http.send(request(base, path), HttpResponse.BodyHandlers.ofByteArray());
  }

  static CompletableFuture<HttpResponse<byte[]>> getAsync(URI base, String path) {
    return http.sendAsync(request(base, path), HttpResponse.BodyHandlers.ofByteArray());
  }

  static HttpRequest request(URI base, String path) {
    return HttpRequest.newBuilder(base.resolve(path))
        .header(TileAuth.AUTHORIZATION, "Bearer " + TestTokens.TOKEN)
        .timeout(Duration.ofSeconds(30))
        .build();
  }

  /** The answer's load report, read with the library's strict parser. */
  static LoadReport report(HttpResponse<?> r) {
    return LoadReport.parse(r.headers().firstValue(LoadReport.HEADER).orElseThrow());
  }

  /** Burns {@code nanos} of the calling thread's CPU time. */
  static void burn(long nanos) {
    long until = THREADS.getCurrentThreadCpuTime() + nanos;
    long x = 1;
    while (THREADS.getCurrentThreadCpuTime() < until) {
      for (int i = 0; i < 1000; i++) {
        x = x * 31 + i;
      }
    }
    if (x == 42) { // keeps the loop alive
      System.out.print("");
    }
  }

  @Test
  void tileAnswer_carriesAWellFormedLoadReportCountingTheTile() throws Exception {
    WorkerServer w = worker(1, (spec, stop) -> Mandelbrot.iterate(spec));
    HttpResponse<byte[]> r = get(w.uri(), "/tile?" + TILE);
    assertEquals(200, r.statusCode());
    LoadReport load = report(r);
    assertTrue(load.rps() > 0, load.toString()); // this tile is done, so it counts
    assertTrue(load.applicationUtilization() > 0, load.toString());
    // Nothing else held: the queue and the pending iterations are zero, so not sent.
    assertEquals(-1, load.namedMetric(LoadMeter.QUEUE), load.toString());
    assertEquals(-1, load.namedMetric(LoadMeter.PENDING_ITERATIONS), load.toString());
  }

  @Test
  void healthAnswer_reportsTheTilesHeldAndTheirPendingIterations() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    WorkerServer w =
        worker(
            1,
            (spec, stop) -> {
              entered.countDown();
              while (!release.await(1, TimeUnit.MILLISECONDS)) {
                if (stop.getAsBoolean()) {
                  return null;
                }
              }
              return new int[spec.width() * spec.height()];
            });
    CompletableFuture<HttpResponse<byte[]>> first = getAsync(w.uri(), "/tile?" + TILE);
    assertTrue(entered.await(30, TimeUnit.SECONDS));
    CompletableFuture<HttpResponse<byte[]>> second = getAsync(w.uri(), "/tile?" + TILE);
    // The second waits in the queue behind the first: poll until the worker holds both.
    LoadReport load = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      HttpResponse<byte[]> h = get(w.uri(), "/health");
      assertEquals(200, h.statusCode());
      load = report(h);
      if (load.namedMetric(LoadMeter.QUEUE) == 2) {
        break;
      }
      Thread.onSpinWait();
    }
    assertEquals(2, load.namedMetric(LoadMeter.QUEUE), String.valueOf(load));
    assertEquals(2 * 8 * 4 * 100, load.namedMetric(LoadMeter.PENDING_ITERATIONS));
    release.countDown();
    assertEquals(200, first.get(30, TimeUnit.SECONDS).statusCode());
    HttpResponse<byte[]> last = second.get(30, TimeUnit.SECONDS);
    assertEquals(200, last.statusCode());
    assertTrue(report(last).rps() > 0);
    assertTrue(
        new String(get(w.uri(), "/health").body(), java.nio.charset.StandardCharsets.UTF_8)
            .contains("\"pendingIterations\":0,"));
  }

  @Test
  void spinMode_burnsFTimesTheTilesCpu_sleepModeDoesNot() throws Exception {
    long kernelCpu = TimeUnit.MILLISECONDS.toNanos(20);
    WorkerServer.Kernel kernel =
        (spec, stop) -> {
          burn(kernelCpu);
          return new int[spec.width() * spec.height()];
        };
    WorkerServer spin = worker(1, kernel);
    spin.slowFactor(4);
    spin.slowMode(WorkerServer.SlowMode.SPIN);
    WorkerServer sleep = worker(1, kernel);
    sleep.slowFactor(4);
    assertEquals(WorkerServer.SlowMode.SLEEP, sleep.slowMode());

    assertEquals(200, get(spin.uri(), "/tile?" + TILE).statusCode());
    assertEquals(200, get(sleep.uri(), "/tile?" + TILE).statusCode());

    // Thread CPU time, not wall time: a loaded machine stretches the wall, not these.
    assertTrue(spin.cpuNanos() >= 4 * kernelCpu, "spin: " + spin.cpuNanos() + " ns");
    assertTrue(sleep.cpuNanos() >= kernelCpu, "sleep: " + sleep.cpuNanos() + " ns");
    assertTrue(sleep.cpuNanos() < 3 * kernelCpu, "sleep: " + sleep.cpuNanos() + " ns");
    // The spin shows in the CPU the worker reports, the sleep does not.
    assertTrue(spin.loadReport().cpuUtilization() > 0);
  }

  @Test
  void slowMode_parse_namesTheParameterAndTheChoices() {
    assertEquals(WorkerServer.SlowMode.SPIN, WorkerServer.SlowMode.parse("spin"));
    assertEquals(WorkerServer.SlowMode.SLEEP, WorkerServer.SlowMode.parse("sleep"));
    InvalidParameterException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            InvalidParameterException.class, () -> WorkerServer.SlowMode.parse("SPIN"));
    assertEquals("slow-mode", e.parameter());
    assertEquals("slow-mode: 'SPIN' (expected: sleep or spin)", e.getMessage());
  }
}
