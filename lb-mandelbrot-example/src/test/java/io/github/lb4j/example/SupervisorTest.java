package io.github.lb4j.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lb4j.Balancer;
import io.github.lb4j.Endpoint;
import io.github.lb4j.HealthState;
import io.github.lb4j.core.Balancers;
import io.github.lb4j.core.Pickers;
import io.github.lb4j.testing.FakeClock;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
final class SupervisorTest {
  final ExecutorService executor = Executors.newSingleThreadExecutor();

  /** How long a worker takes to start, on the supervisor's fake clock. */
  static final Duration STARTUP = Duration.ofMillis(5);

  final FakeClock clock = new FakeClock();
  final BlockingQueue<Supervisor.Replacement> replaced = new ArrayBlockingQueue<>(16);
  Balancer balancer;
  Supervisor supervisor;

  static WorkerServer worker(String id) throws IOException {
    return WorkerServer.start("127.0.0.1", 0, id, 1, 1, TestTokens.AUTH);
  }

  /** The supervisor's worker factory: a worker, and {@link #STARTUP} later on the fake clock. */
  WorkerServer startWorker(String id) throws IOException {
    WorkerServer w = worker(id);
    clock.advance(STARTUP);
    return w;
  }

  void start(int workers, Duration probeInterval) throws IOException {
    balancer =
        Balancers.builder()
            .name("supervised")
            .picker(Pickers.roundRobin())
            .healthCheck(h -> h.interval(probeInterval).unhealthyThreshold(2))
            .build();
    supervisor = new Supervisor(balancer, this::startWorker, executor, clock);
    supervisor.addListener(
        new Supervisor.Listener() {
          @Override
          public void onReplaced(Supervisor.Replacement r) {
            replaced.add(r);
          }
        });
    for (int i = 0; i < workers; i++) {
      supervisor.startWorker();
    }
  }

  @AfterEach
  void close() {
    if (supervisor != null) {
      supervisor.close();
    }
    if (balancer != null) {
      balancer.close();
    }
    executor.shutdownNow();
  }

  static int healthStatus(URI uri) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(uri.resolve("/health")).build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  @Test
  void kill_workerStopsAnswering_replacedByAFreshWorkerOnANewPort() throws Exception {
    start(3, Duration.ofMillis(50));
    assertEquals(
        List.of("worker-1", "worker-2", "worker-3"),
        balancer.endpoints().stream().map(Endpoint::id).toList());
    URI deadUri = supervisor.worker("worker-2").uri();

    supervisor.kill("worker-2");

    Supervisor.Replacement r = replaced.poll(20, TimeUnit.SECONDS);
    assertTrue(r != null, "no replacement within 20 s");
    assertEquals("worker-2", r.dead().id());
    assertEquals(deadUri, r.dead().address());
    assertEquals("worker-4", r.replacement().id());
    assertNotEquals(deadUri, r.replacement().address());
    assertTrue(r.reason().contains("probe"), r.reason());
    assertEquals(STARTUP.toNanos(), r.replacedNanos() - r.detectedNanos(), r.toString());
    assertEquals(
        List.of("worker-1", "worker-3", "worker-4"),
        balancer.endpoints().stream().map(Endpoint::id).toList());
    assertEquals(balancer.endpoints(), supervisor.endpoints());
    assertEquals(200, healthStatus(r.replacement().address()));
    assertThrows(ConnectException.class, () -> healthStatus(deadUri));
    assertTrue(replaced.isEmpty(), replaced.toString());
  }

  List<String> ids() {
    return balancer.endpoints().stream().map(Endpoint::id).toList();
  }

  @Test
  void scale_growsThenShrinks_theNewestLeaveDrainedAndStopped() throws Exception {
    start(2, Duration.ofHours(1));
    Supervisor.Scaled up = supervisor.scale(4, Duration.ofSeconds(10));
    assertEquals(
        new Supervisor.Scaled(4, List.of("worker-3", "worker-4"), List.of(), List.of()), up);
    assertEquals(List.of("worker-1", "worker-2", "worker-3", "worker-4"), ids());
    List<LocalWorker> before = supervisor.workers();

    Supervisor.Scaled down = supervisor.scale(1, Duration.ofSeconds(10));

    assertEquals(
        new Supervisor.Scaled(1, List.of(), List.of("worker-4", "worker-3", "worker-2"), List.of()),
        down);
    assertEquals(List.of("worker-1"), ids());
    assertEquals(List.of(), supervisor.draining());
    for (LocalWorker w : before.subList(1, 4)) {
      assertTrue(w.isClosed(), w.id());
      assertThrows(ConnectException.class, () -> healthStatus(w.uri()));
    }
    assertEquals(200, healthStatus(supervisor.worker("worker-1").uri()));
    assertEquals(
        new Supervisor.Scaled(2, List.of("worker-5"), List.of(), List.of()),
        supervisor.scale(2, Duration.ofSeconds(10)),
        "ids are never used twice");
  }

  @Test
  void scale_countOutOfRange_refusedNamingIt() throws Exception {
    start(1, Duration.ofHours(1));
    for (int bad : new int[] {0, -1, Supervisor.MAX_WORKERS + 1}) {
      InvalidParameterException e =
          assertThrows(
              InvalidParameterException.class, () -> supervisor.scale(bad, Duration.ofSeconds(1)));
      assertEquals("count: " + bad + " (expected: in [1, 64])", e.getMessage());
      assertEquals("count", e.parameter());
    }
    assertEquals(List.of("worker-1"), ids());
  }

  @Test
  void keepSpare_aKilledWorkerIsReplacedByTheSpareAtOnce_andANewSpareStarts() throws Exception {
    start(2, Duration.ofMillis(50));
    supervisor.keepSpare(true);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (supervisor.spare().isEmpty() && System.nanoTime() - deadline < 0) {
      TimeUnit.MILLISECONDS.sleep(10);
    }
    LocalWorker spare = supervisor.spare().orElseThrow();
    assertEquals("worker-3", spare.id());
    assertEquals(List.of("worker-1", "worker-2"), ids(), "the spare is not a member");

    supervisor.kill("worker-1");

    Supervisor.Replacement r = replaced.poll(20, TimeUnit.SECONDS);
    assertTrue(r != null, "no replacement within 20 s");
    assertEquals("worker-3", r.replacement().id());
    assertEquals(spare.uri(), r.replacement().address());
    assertEquals(0, r.replacedNanos() - r.detectedNanos(), "no start to wait for: " + r);
    assertEquals(List.of("worker-2", "worker-3"), ids());
    while (supervisor.spare().isEmpty() && System.nanoTime() - deadline < 0) {
      TimeUnit.MILLISECONDS.sleep(10);
    }
    assertEquals("worker-4", supervisor.spare().orElseThrow().id());
  }

  @Test
  void pause_ofAWorkerInThisProcess_refusedSayingWhy() throws Exception {
    start(1, Duration.ofHours(1));
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> supervisor.pause("worker-1"));
    assertEquals(
        "stop: 'worker-1' runs inside this process (expected: a worker process, --processes)",
        e.getMessage());
  }

  @Test
  void kill_replacement_takesTrafficOnceHealthy() throws Exception {
    start(2, Duration.ofMillis(50));
    supervisor.kill("worker-1");
    Supervisor.Replacement r = replaced.poll(20, TimeUnit.SECONDS);
    assertTrue(r != null, "no replacement within 20 s");
    assertEquals(
        HealthState.HEALTHY, balancer.snapshot().endpoint("worker-3").orElseThrow().health());
    // round-robin over the two members: the replacement is chosen within two picks
    boolean chosen = false;
    for (int i = 0; i < 2; i++) {
      chosen |= balancer.choose().id().equals("worker-3");
    }
    assertTrue(chosen);
  }

  @Test
  void watch_rebuiltBalancer_getsTheWorkersAndItsFailuresAreFollowed() throws Exception {
    start(2, Duration.ofMillis(50));
    Balancer next =
        Balancers.builder()
            .name("next")
            .picker(Pickers.leastConnection())
            .healthCheck(h -> h.interval(Duration.ofMillis(50)).unhealthyThreshold(2))
            .build();
    try {
      supervisor.watch(next);
      assertEquals(supervisor.endpoints(), next.endpoints());
      supervisor.kill("worker-2");
      Supervisor.Replacement r = replaced.poll(20, TimeUnit.SECONDS);
      assertTrue(r != null, "no replacement within 20 s");
      assertEquals(
          List.of("worker-1", "worker-3"), next.endpoints().stream().map(Endpoint::id).toList());
      // the previous balancer is no longer changed
      assertEquals(
          List.of("worker-1", "worker-2"),
          balancer.endpoints().stream().map(Endpoint::id).toList());
    } finally {
      next.close();
    }
  }

  @Test
  void kill_adoptedWorker_replacementGetsAnIdNeverUsed() throws Exception {
    balancer =
        Balancers.builder()
            .name("adopted")
            .picker(Pickers.roundRobin())
            .healthCheck(h -> h.interval(Duration.ofMillis(50)).unhealthyThreshold(2))
            .build();
    supervisor = new Supervisor(balancer, this::startWorker, executor, clock);
    supervisor.addListener(
        new Supervisor.Listener() {
          @Override
          public void onReplaced(Supervisor.Replacement r) {
            replaced.add(r);
          }
        });
    supervisor.adopt(worker("worker-1"));
    supervisor.adopt(worker("worker-2"));

    supervisor.kill("worker-1");

    Supervisor.Replacement r = replaced.poll(20, TimeUnit.SECONDS);
    assertTrue(r != null, "no replacement within 20 s");
    assertEquals("worker-3", r.replacement().id());
    assertEquals(
        List.of("worker-2", "worker-3"), balancer.endpoints().stream().map(Endpoint::id).toList());
  }

  @Test
  void worker_unknownId_namesTheKnownOnes() throws Exception {
    start(1, Duration.ofSeconds(5));
    InvalidParameterException e =
        assertThrows(InvalidParameterException.class, () -> supervisor.kill("worker-9"));
    assertEquals("id: 'worker-9' (expected: one of [worker-1])", e.getMessage());
  }

  @Test
  void retire_lastWorker_refusedAndNothingChanges() throws Exception {
    start(1, Duration.ofSeconds(5));
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> supervisor.retire("worker-1"));
    assertEquals("cannot retire 'worker-1': it is the last worker", e.getMessage());
    assertEquals(1, balancer.endpoints().size());
    assertEquals(200, healthStatus(supervisor.worker("worker-1").uri()));
  }

  @Test
  void retire_worker_removedAndNotReplaced() throws Exception {
    start(2, Duration.ofMillis(50));
    URI uri = supervisor.worker("worker-1").uri();
    supervisor.retire("worker-1");
    assertEquals(List.of("worker-2"), balancer.endpoints().stream().map(Endpoint::id).toList());
    assertThrows(ConnectException.class, () -> healthStatus(uri));
    assertFalse(supervisor.workers().stream().anyMatch(w -> w.id().equals("worker-1")));
    assertEquals(null, replaced.poll(300, TimeUnit.MILLISECONDS));
  }

  @Test
  void adopt_duplicateId_refused() throws Exception {
    start(1, Duration.ofSeconds(5));
    try (WorkerServer w = worker("worker-1")) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> supervisor.adopt(w));
      assertEquals("worker: 'worker-1' (expected: a new id)", e.getMessage());
    }
    assertEquals(1, balancer.endpoints().size());
  }

  @Test
  void startWorker_afterClose_refused() throws Exception {
    start(1, Duration.ofSeconds(5));
    supervisor.close();
    IllegalStateException e = assertThrows(IllegalStateException.class, supervisor::startWorker);
    assertEquals("the supervisor is closed", e.getMessage());
  }
}
