package io.github.lb4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lb4j.Balancer;
import io.github.lb4j.BalancerListener;
import io.github.lb4j.Endpoint;
import io.github.lb4j.EndpointState;
import io.github.lb4j.HealthState;
import io.github.lb4j.LoadReport;
import io.github.lb4j.NoAvailableEndpointException;
import io.github.lb4j.testing.FakeClock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

final class ActiveHealthCheckTest {
  private static final Duration INTERVAL = Duration.ofSeconds(1);
  private static final Duration TIMEOUT = Duration.ofMillis(500);

  private final FakeClock clock = new FakeClock();
  private final ProbeLog probes = new ProbeLog();
  private final HealthEvents events = new HealthEvents();
  private HealthServers servers;
  private Balancer balancer;

  @AfterEach
  void tearDown() throws Exception {
    if (balancer != null) {
      balancer.close();
    }
    if (servers != null) {
      servers.close();
    }
  }

  private Balancer start(int count, Consumer<HealthCheckBuilder> config) throws Exception {
    return start(count, config, b -> {});
  }

  private Balancer start(
      int count, Consumer<HealthCheckBuilder> config, Consumer<BalancerBuilder> more)
      throws Exception {
    servers = new HealthServers(count);
    BalancerBuilder builder =
        Balancers.builder()
            .name("health")
            .endpoints(servers.endpoints())
            .ticker(clock)
            .scheduler(clock)
            .listener(events)
            .healthCheck(
                h -> {
                  h.interval(INTERVAL).timeout(TIMEOUT).jitter(0).afterProbe(probes);
                  config.accept(h);
                });
    more.accept(builder);
    balancer = builder.build();
    clock.runDue(); // the first probes go out at once
    probes.next(count);
    return balancer;
  }

  /** One probe interval: every endpoint still probed is probed once. */
  private List<String> round(int probed) throws InterruptedException {
    clock.advance(INTERVAL);
    return probes.next(probed);
  }

  private HealthState health(int i) {
    return balancer.snapshot().endpoint(servers.id(i)).orElseThrow().health();
  }

  private Map<String, Integer> picks(int n) {
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < n; i++) {
      counts.merge(balancer.choose().id(), 1, Integer::sum);
    }
    return counts;
  }

  @Test
  void healthCheck_serverShutDown_unhealthyWithinIntervalTimesFallPlusTimeoutAndNotChosen()
      throws Exception {
    start(3, h -> h.unhealthyThreshold(3).healthyThreshold(2));
    long before = clock.read();
    servers.shutDown(0);

    while (health(0) == HealthState.HEALTHY) {
      round(3);
      assertTrue(
          clock.read() - before <= 3 * INTERVAL.toNanos() + TIMEOUT.toNanos(),
          "still healthy after " + Duration.ofNanos(clock.read() - before));
    }

    assertEquals(HealthState.UNHEALTHY, health(0));
    assertEquals(3 * INTERVAL.toNanos(), clock.read() - before);
    assertEquals(1, events.events.size());
    assertTrue(
        events
            .events
            .get(0)
            .startsWith(
                servers.id(0) + " HEALTHY -> UNHEALTHY: 3 consecutive failed probes (last: "),
        events.events.get(0));
    Map<String, Integer> counts = picks(300);
    assertEquals(Map.of(servers.id(1), 150, servers.id(2), 150), counts);
  }

  @Test
  void healthCheck_serverBack_readmittedAfterHealthyThresholdAndRampsUp() throws Exception {
    start(
        3,
        h -> h.unhealthyThreshold(2).healthyThreshold(2),
        b -> b.warmUp(w -> w.window(Duration.ofSeconds(10)).minShare(0.1)));
    servers.shutDown(0);
    round(3);
    round(3);
    assertEquals(HealthState.UNHEALTHY, health(0));

    servers.restart(0);
    assertEquals(
        Set.of(servers.id(0) + " passed", servers.id(1) + " passed", servers.id(2) + " passed"),
        Set.copyOf(round(3)));
    assertEquals(HealthState.UNHEALTHY, health(0), "one passing probe is below the threshold");
    round(3);
    assertEquals(HealthState.HEALTHY, health(0));
    assertEquals(
        servers.id(0) + " UNHEALTHY -> HEALTHY: 2 consecutive passing probes",
        events.events.get(1));

    // Warm-up: 10% of its weight at first (10 of 210 units), all of it after the window.
    assertEquals(10, picks(210).getOrDefault(servers.id(0), 0));
    for (int second = 0; second < 10; second++) {
      round(3); // real probes answer in real time: step the fake clock one interval at a time
    }
    assertEquals(100, picks(300).get(servers.id(0)));
  }

  @Test
  void healthCheck_oneFailedProbe_doesNotTakeEndpointOut() throws Exception {
    start(2, h -> h.unhealthyThreshold(2));
    servers.answer(0, 503);
    assertEquals(
        Set.of(servers.id(0) + " failed", servers.id(1) + " passed"), Set.copyOf(round(2)));
    servers.answer(0, 200);
    round(2);
    servers.answer(0, 503);
    round(2);

    assertEquals(HealthState.HEALTHY, health(0));
    assertEquals(List.of(), events.events);
    assertEquals(2, picks(4).size());
  }

  @Test
  void healthCheck_flappingEndpoint_staysOutUntilHealthyThresholdInARow() throws Exception {
    start(1, h -> h.unhealthyThreshold(2).healthyThreshold(3));
    int[] answers = {503, 503, 200, 503, 200, 200, 503, 200, 200, 200};
    HealthState[] expected = {
      HealthState.HEALTHY, HealthState.UNHEALTHY, HealthState.UNHEALTHY, HealthState.UNHEALTHY,
      HealthState.UNHEALTHY, HealthState.UNHEALTHY, HealthState.UNHEALTHY, HealthState.UNHEALTHY,
      HealthState.UNHEALTHY, HealthState.HEALTHY
    };
    for (int i = 0; i < answers.length; i++) {
      servers.answer(0, answers[i]);
      round(1);
      assertEquals(expected[i], health(0), "after probe " + (i + 1));
    }
    assertEquals(2, events.events.size());
    assertTrue(events.events.get(1).endsWith("UNHEALTHY -> HEALTHY: 3 consecutive passing probes"));
  }

  @Test
  void healthCheck_allUnhealthy_chooseFailsFastWithDocumentedMessage() throws Exception {
    start(2, h -> h.unhealthyThreshold(1));
    servers.answer(0, 500);
    servers.answer(1, 500);
    round(2);

    NoAvailableEndpointException e =
        assertThrows(NoAvailableEndpointException.class, () -> balancer.choose());
    assertEquals(
        "balancer 'health': no endpoint available: all 2 endpoints unhealthy", e.getMessage());
    assertThrows(NoAvailableEndpointException.class, () -> balancer.acquire());
  }

  @Test
  void healthCheck_belowPanicThreshold_spreadsOverAllEndpoints() throws Exception {
    start(4, h -> h.unhealthyThreshold(1), b -> b.panicThreshold(0.5));
    servers.answer(0, 500);
    servers.answer(1, 500);
    round(4);
    // 2 of 4 healthy is not below half: only the healthy ones.
    assertEquals(Map.of(servers.id(2), 50, servers.id(3), 50), picks(100));

    servers.answer(2, 500);
    round(4);
    // 1 of 4 healthy is below half: panic, every endpoint takes its share.
    assertEquals(1, balancer.snapshot().healthyCount());
    Map<String, Integer> counts = picks(100);
    assertEquals(4, counts.size());
    counts.values().forEach(n -> assertEquals(25, n));

    servers.answer(3, 500);
    round(4);
    assertEquals(
        Map.of(servers.id(0), 25, servers.id(1), 25, servers.id(2), 25, servers.id(3), 25),
        picks(100),
        "panic with none healthy still spreads");
  }

  @Test
  void healthCheck_removedEndpoint_isNotProbedAgain() throws Exception {
    start(2, h -> {});
    int before = servers.requests(1);
    balancer.remove(servers.id(1));

    for (int i = 0; i < 5; i++) {
      assertEquals(List.of(servers.id(0) + " passed"), round(1));
    }
    assertEquals(before, servers.requests(1));
    assertEquals(1, clock.pending(), "only the remaining endpoint's next probe is scheduled");
  }

  @Test
  void healthCheck_addedEndpoint_startsHealthyAndIsProbedAtOnce() throws Exception {
    start(2, h -> h.unhealthyThreshold(1));
    HealthServers extra = new HealthServers(1);
    try {
      extra.answer(0, 503);
      balancer.add(extra.endpoint(0));
      assertEquals(
          HealthState.HEALTHY, balancer.snapshot().endpoint(extra.id(0)).orElseThrow().health());
      clock.runDue();
      assertEquals(extra.id(0) + " failed", probes.next());
      assertEquals(
          HealthState.UNHEALTHY, balancer.snapshot().endpoint(extra.id(0)).orElseThrow().health());
    } finally {
      extra.close();
    }
  }

  @Test
  void healthCheck_answerWithLoadHeader_handsTheReportIn_malformedCounted() throws Exception {
    start(2, h -> {});
    String header = "TEXT cpu_utilization=0.5, rps_fractional=100";
    servers.reportLoad(0, header);
    servers.reportLoad(1, "TEXT cpu_utilization=lots");
    round(2);
    EndpointState first = balancer.snapshot().endpoint(servers.id(0)).orElseThrow();
    EndpointState second = balancer.snapshot().endpoint(servers.id(1)).orElseThrow();
    assertEquals(LoadReport.parse(header), first.loadReport());
    assertEquals(0, first.malformedLoadReports());
    assertNull(second.loadReport());
    assertEquals(1, second.malformedLoadReports());
    assertEquals(HealthState.HEALTHY, second.health()); // a malformed header is not a failed probe
  }

  @Test
  void healthCheck_httpProbe_getsConfiguredPath() throws Exception {
    start(1, h -> h.path("/ready?deep=false"));
    var request = servers.server(0).takeRequest();
    assertEquals("GET", request.getMethod());
    assertEquals("/ready?deep=false", request.getPath());
  }

  @Test
  void healthCheck_probeThrowsOrFails_countsAsFailedProbe() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    start(
        1,
        h ->
            h.unhealthyThreshold(3)
                .probe(
                    e ->
                        switch (calls.incrementAndGet()) {
                          case 1 -> throw new IllegalStateException("probe bug");
                          case 2 -> null;
                          case 3 -> CompletableFuture.failedFuture(new RuntimeException("refused"));
                          default -> CompletableFuture.completedFuture(true);
                        }));
    round(1);
    round(1);
    assertEquals(HealthState.UNHEALTHY, health(0));
    assertEquals(
        servers.id(0)
            + " HEALTHY -> UNHEALTHY: 3 consecutive failed probes"
            + " (last: RuntimeException: refused)",
        events.events.get(0));
  }

  @Test
  void healthCheck_probeTimesOut_countsAsFailedAndCancelsProbe() throws Exception {
    List<CompletableFuture<Boolean>> started = new java.util.concurrent.CopyOnWriteArrayList<>();
    servers = new HealthServers(1);
    balancer =
        Balancers.builder()
            .name("health")
            .endpoints(servers.endpoints())
            .ticker(clock)
            .scheduler(clock)
            .listener(events)
            .healthCheck(
                h ->
                    h.interval(INTERVAL)
                        .timeout(TIMEOUT)
                        .jitter(0)
                        .unhealthyThreshold(1)
                        .afterProbe(probes)
                        .probe(
                            e -> {
                              CompletableFuture<Boolean> f = new CompletableFuture<>();
                              started.add(f);
                              return f;
                            }))
            .build();
    clock.runDue();
    assertEquals(1, started.size());
    clock.advance(TIMEOUT.minusNanos(1));
    assertTrue(probes.isEmpty());
    clock.advance(Duration.ofNanos(1));

    assertEquals(servers.id(0) + " failed", probes.next());
    assertTrue(started.get(0).isCancelled());
    assertEquals(
        servers.id(0)
            + " HEALTHY -> UNHEALTHY: 1 consecutive failed probe"
            + " (last: timed out after PT0.5S)",
        events.events.get(0));
    clock.advance(INTERVAL);
    assertEquals(2, started.size(), "the next probe starts an interval after the timeout");
  }

  @Test
  void healthCheck_jitter_spreadsProbesWithinTheConfiguredShare() throws Exception {
    servers = new HealthServers(1);
    List<Long> startedAt = new java.util.concurrent.CopyOnWriteArrayList<>();
    balancer =
        Balancers.builder()
            .endpoints(servers.endpoints())
            .ticker(clock)
            .scheduler(clock)
            .healthCheck(
                h ->
                    h.interval(INTERVAL)
                        .jitter(0.5)
                        .random(new java.util.Random(7))
                        .probe(
                            e -> {
                              startedAt.add(clock.read());
                              return CompletableFuture.completedFuture(true);
                            }))
            .build();
    clock.advance(Duration.ofSeconds(20));
    assertTrue(startedAt.size() >= 13 && startedAt.size() <= 20, startedAt.toString());
    java.util.Set<Long> gaps = new java.util.HashSet<>();
    for (int i = 1; i < startedAt.size(); i++) {
      long gap = startedAt.get(i) - startedAt.get(i - 1);
      assertTrue(gap >= INTERVAL.toNanos() && gap < INTERVAL.toNanos() * 3 / 2, "gap " + gap);
      gaps.add(gap);
    }
    assertTrue(gaps.size() > 1, "jitter varies the gaps");
  }

  @Test
  void healthCheck_close_stopsProbing() throws Exception {
    start(2, h -> {});
    balancer.close();
    assertEquals(0, clock.pending());
    int before = servers.requests(0);
    clock.advance(Duration.ofSeconds(10));
    assertEquals(before, servers.requests(0));
  }

  @Test
  void healthCheck_throwingListener_isIgnoredAndOthersStillHear() throws Exception {
    HealthEvents after = new HealthEvents();
    start(
        2,
        h -> h.unhealthyThreshold(1),
        b ->
            b.listener(
                    new BalancerListener() {
                      @Override
                      public void onHealthChanged(
                          Balancer bal, Endpoint e, HealthState from, HealthState to, String r) {
                        throw new IllegalStateException("listener bug");
                      }
                    })
                .listener(after));
    servers.answer(0, 500);
    round(2);

    assertEquals(HealthState.UNHEALTHY, health(0));
    assertEquals(1, after.events.size());
    assertEquals(Map.of(servers.id(1), 10), picks(10));
  }

  @Test
  void healthCheckBuilder_invalidValues_rejectedWithMessages() {
    HealthCheckBuilder b = new HealthCheckBuilder();
    assertMessage(
        "path: 'health' (expected: an absolute path without spaces, e.g. /health)",
        () -> b.path("health"));
    assertMessage(
        "path: '/a b' (expected: an absolute path without spaces, e.g. /health)",
        () -> b.path("/a b"));
    assertMessage("interval: PT0S (expected: > 0)", () -> b.interval(Duration.ZERO));
    assertMessage("timeout: PT-1S (expected: > 0)", () -> b.timeout(Duration.ofSeconds(-1)));
    assertMessage("jitter: 1.5 (expected: in [0, 1])", () -> b.jitter(1.5));
    assertMessage("jitter: NaN (expected: in [0, 1])", () -> b.jitter(Double.NaN));
    assertMessage("unhealthyThreshold: 0 (expected: >= 1)", () -> b.unhealthyThreshold(0));
    assertMessage("healthyThreshold: -2 (expected: >= 1)", () -> b.healthyThreshold(-2));
    assertEquals(
        "interval", assertThrows(NullPointerException.class, () -> b.interval(null)).getMessage());
    assertEquals(
        "probe", assertThrows(NullPointerException.class, () -> b.probe(null)).getMessage());
    assertEquals(
        "config",
        assertThrows(NullPointerException.class, () -> Balancers.builder().healthCheck(null))
            .getMessage());
    assertEquals(
        "scheduler",
        assertThrows(NullPointerException.class, () -> Balancers.builder().scheduler(null))
            .getMessage());
  }

  @Test
  void httpProbe_target_replacesThePathOfTheAddress() {
    HttpHealthProbe probe =
        new HttpHealthProbe(
            java.net.http.HttpClient.newHttpClient(), "/health", Duration.ofSeconds(1), true);
    Endpoint e = Endpoint.of("svc", java.net.URI.create("http://10.0.0.7:8080/api/v1"));
    assertEquals("http://10.0.0.7:8080/health", probe.target(e).toString());
    probe.close();
  }

  @Test
  void healthCheck_withoutInjectedScheduler_ownThreadStopsOnClose() throws Exception {
    servers = new HealthServers(1);
    balancer =
        Balancers.builder()
            .name("own")
            .endpoints(servers.endpoints())
            .healthCheck(h -> h.afterProbe(probes))
            .build();
    assertEquals(servers.id(0) + " passed", probes.next());
    assertTrue(
        Thread.getAllStackTraces().keySet().stream()
            .anyMatch(t -> t.getName().equals("lb4j-own-health")));
    balancer.close();
    assertNotEquals(0, servers.requests(0));
    assertFalse(balancer.toString().isEmpty());
  }

  private static void assertMessage(
      String message, org.junit.jupiter.api.function.Executable call) {
    assertEquals(message, assertThrows(IllegalArgumentException.class, call).getMessage());
  }
}
