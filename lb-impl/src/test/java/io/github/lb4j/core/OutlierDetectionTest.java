package io.github.lb4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lb4j.Balancer;
import io.github.lb4j.Endpoint;
import io.github.lb4j.HealthState;
import io.github.lb4j.Lease;
import io.github.lb4j.testing.FakeClock;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

final class OutlierDetectionTest {
  private static final Duration BASE = Duration.ofSeconds(30);

  private final FakeClock clock = new FakeClock();
  private final HealthEvents events = new HealthEvents();
  private Balancer balancer;
  private HealthServers servers;

  @AfterEach
  void tearDown() throws Exception {
    if (balancer != null) {
      balancer.close();
    }
    if (servers != null) {
      servers.close();
    }
  }

  private Balancer start(int count, Consumer<OutlierDetectionBuilder> config) {
    List<Endpoint> endpoints = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      endpoints.add(Endpoint.of("http://10.0.0." + i + ":8080"));
    }
    balancer =
        Balancers.builder()
            .name("passive")
            .endpoints(endpoints)
            .ticker(clock)
            .scheduler(clock)
            .listener(events)
            .outlierDetection(config)
            .build();
    return balancer;
  }

  private static String id(int i) {
    return "http://10.0.0." + i + ":8080";
  }

  /** Reports {@code n} failed calls on endpoint {@code i}, as an integration would on 5xx. */
  private void fail(int i, int n) {
    for (int k = 0; k < n; k++) {
      try (Lease lease = leaseOn(i)) {
        lease.failure(new IOException("HTTP 503"));
      }
    }
  }

  private void succeed(int i) {
    try (Lease lease = leaseOn(i)) {
      lease.success();
    }
  }

  /** A lease on endpoint {@code i}: acquire until the round-robin lands on it. */
  private Lease leaseOn(int i) {
    return Fixtures.leaseOn(balancer, id(i));
  }

  private HealthState health(int i) {
    return balancer.snapshot().endpoint(id(i)).orElseThrow().health();
  }

  private long ejections(int i) {
    return balancer.snapshot().endpoint(id(i)).orElseThrow().ejections();
  }

  @Test
  void outlier_consecutiveFailures_ejectForGrowingTimesUpToMax() {
    start(10, o -> o.maxEjectionTime(Duration.ofSeconds(70)));
    fail(0, 4);
    assertEquals(HealthState.HEALTHY, health(0));
    fail(0, 1);
    assertEquals(HealthState.EJECTED, health(0));
    assertEquals(1, ejections(0));
    assertEquals(
        id(0)
            + " HEALTHY -> EJECTED: 5 consecutive failures (last: java.io.IOException: HTTP 503);"
            + " ejected for PT30S (ejection #1)",
        events.events.get(0));

    clock.advance(BASE.minusNanos(1));
    assertEquals(HealthState.EJECTED, health(0));
    clock.advance(Duration.ofNanos(1));
    assertEquals(HealthState.HEALTHY, health(0));
    assertEquals(id(0) + " EJECTED -> HEALTHY: ejection of PT30S ended", events.events.get(1));

    fail(0, 5);
    assertTrue(
        events.events.get(2).endsWith("ejected for PT1M (ejection #2)"), events.events.get(2));
    clock.advance(Duration.ofSeconds(60));
    assertEquals(HealthState.HEALTHY, health(0));

    fail(0, 5);
    assertTrue(
        events.events.get(4).endsWith("ejected for PT1M10S (ejection #3)"), events.events.get(4));
    clock.advance(Duration.ofSeconds(69));
    assertEquals(HealthState.EJECTED, health(0));
    clock.advance(Duration.ofSeconds(1));
    assertEquals(HealthState.HEALTHY, health(0));
    assertEquals(3, ejections(0));
  }

  @Test
  void outlier_timeInService_shortensTheNextEjection() {
    start(10, o -> {});
    fail(0, 5);
    clock.advance(BASE);
    fail(0, 5);
    clock.advance(BASE.multipliedBy(2));
    assertTrue(events.events.get(2).endsWith("ejected for PT1M (ejection #2)"));

    // Two base times in service take the streak from 2 down to 0: the next ejection is the base.
    clock.advance(BASE.multipliedBy(2));
    fail(0, 5);
    assertTrue(
        events.events.get(4).endsWith("ejected for PT30S (ejection #3)"), events.events.get(4));
  }

  @Test
  void outlier_successInBetween_resetsTheCount() {
    start(10, o -> {});
    fail(0, 4);
    succeed(0);
    fail(0, 4);
    assertEquals(HealthState.HEALTHY, health(0));
    fail(0, 1);
    assertEquals(HealthState.EJECTED, health(0));
  }

  @Test
  void outlier_ejectedEndpoint_isNotChosenUntilItsTimeIsUp() {
    start(3, o -> o.consecutiveFailures(2));
    fail(1, 2);
    Map<String, Integer> counts = new HashMap<>();
    for (int k = 0; k < 100; k++) {
      counts.merge(balancer.choose().id(), 1, Integer::sum);
    }
    assertEquals(Map.of(id(0), 50, id(2), 50), counts);
    clock.advance(BASE);
    assertEquals(
        3,
        new java.util.HashSet<>(
                List.of(balancer.choose().id(), balancer.choose().id(), balancer.choose().id()))
            .size());
  }

  @Test
  void outlier_maxEjectedShare_holds() {
    start(10, o -> o.maxEjectedShare(0.2));
    fail(0, 5);
    fail(1, 5);
    fail(2, 20);
    assertEquals(HealthState.EJECTED, health(0));
    assertEquals(HealthState.EJECTED, health(1));
    assertEquals(HealthState.HEALTHY, health(2), "2 of 10 ejected is the most allowed");
    assertEquals(0, ejections(2));

    clock.advance(BASE);
    fail(2, 1); // still failing after the others came back: now it may go
    assertEquals(HealthState.EJECTED, health(2));
  }

  @Test
  void outlier_fewEndpoints_atLeastOneMayBeEjectedButNeverALoneOne() {
    start(2, o -> o.consecutiveFailures(1));
    fail(0, 1);
    assertEquals(HealthState.EJECTED, health(0), "10% of 2 rounds down, but one is allowed");
    fail(1, 3);
    assertEquals(HealthState.HEALTHY, health(1));
    balancer.close();

    start(1, o -> o.consecutiveFailures(1));
    fail(0, 10);
    assertEquals(HealthState.HEALTHY, health(0), "a lone endpoint has nowhere to send calls");
    assertEquals(0, ejections(0));
  }

  @Test
  void outlier_removedWhileEjected_restoreIsANoOpAndReaddedStartsFresh() {
    start(3, o -> {});
    fail(0, 5);
    balancer.remove(id(0));
    clock.advance(BASE);
    assertEquals(2, balancer.endpoints().size());
    balancer.add(Endpoint.of(id(0)));
    assertEquals(HealthState.HEALTHY, health(0));
    assertEquals(0, ejections(0));
    fail(0, 5);
    assertTrue(
        events.events.get(events.events.size() - 1).endsWith("ejected for PT30S (ejection #1)"));
  }

  @Test
  void outlier_withActiveChecks_readmissionWaitsForAPassingProbe() throws Exception {
    servers = new HealthServers(3);
    ProbeLog probes = new ProbeLog();
    balancer =
        Balancers.builder()
            .name("both")
            .endpoints(servers.endpoints())
            .ticker(clock)
            .scheduler(clock)
            .listener(events)
            .outlierDetection(o -> o.consecutiveFailures(3).maxEjectedShare(0.5))
            .healthCheck(
                h ->
                    h.interval(Duration.ofMinutes(5))
                        .timeout(Duration.ofMinutes(10)) // real HTTP answers first
                        .jitter(0)
                        .afterProbe(probes))
            .build();
    clock.runDue();
    probes.next(3);
    String id = servers.id(0);
    failOn(id, 3);
    assertEquals(HealthState.EJECTED, balancer.snapshot().endpoint(id).orElseThrow().health());

    servers.answer(0, 503);
    clock.advance(BASE);
    assertEquals(id + " failed", probes.next(), "a probe goes out as soon as the ejection ends");
    assertEquals(HealthState.UNHEALTHY, balancer.snapshot().endpoint(id).orElseThrow().health());
    assertEquals(
        id + " EJECTED -> UNHEALTHY: ejection of PT30S ended; waiting for a passing probe",
        events.events.get(1));

    servers.answer(0, 200);
    clock.advance(Duration.ofMinutes(5)); // every endpoint's next probe
    assertTrue(probes.next(3).contains(id + " passed"));
    assertEquals(HealthState.HEALTHY, balancer.snapshot().endpoint(id).orElseThrow().health());
    assertEquals(id + " UNHEALTHY -> HEALTHY: 1 consecutive passing probe", events.events.get(2));
  }

  @Test
  void outlier_realHttp5xxStorm_ejectsTheFailingServer() throws Exception {
    servers = new HealthServers(3);
    servers.answer(1, 500);
    balancer =
        Balancers.builder()
            .name("storm")
            .endpoints(servers.endpoints())
            .ticker(clock)
            .scheduler(clock)
            .picker(Pickers.leastConnection(new java.util.Random(1)))
            .outlierDetection(o -> o.maxEjectedShare(0.5))
            .build();
    OkHttpClient client = new OkHttpClient();
    Map<String, Integer> errors = new HashMap<>();
    for (int k = 0; k < 60; k++) {
      try (Lease lease = balancer.acquire()) {
        Request request =
            new Request.Builder()
                .url(lease.endpoint().address().resolve("/work").toString())
                .build();
        try (Response response = client.newCall(request).execute()) {
          if (response.code() >= 500) {
            lease.failure();
            errors.merge(lease.endpoint().id(), 1, Integer::sum);
          } else {
            lease.success();
          }
        }
      }
    }
    assertEquals(Map.of(servers.id(1), 5), errors, "ejected after exactly 5 errors");
    var state = balancer.snapshot().endpoint(servers.id(1)).orElseThrow();
    assertEquals(HealthState.EJECTED, state.health());
    assertEquals(5, state.failures());
    assertEquals(1, state.ejections());
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }

  @Test
  void outlier_close_cancelsPendingRestores() {
    start(3, o -> {});
    fail(0, 5);
    assertEquals(1, clock.pending());
    balancer.close();
    assertEquals(0, clock.pending());
  }

  @Test
  void outlierDetectionBuilder_invalidValues_rejectedWithMessages() {
    OutlierDetectionBuilder b = new OutlierDetectionBuilder();
    assertMessage("consecutiveFailures: 0 (expected: >= 1)", () -> b.consecutiveFailures(0));
    assertMessage(
        "baseEjectionTime: PT0S (expected: > 0)", () -> b.baseEjectionTime(Duration.ZERO));
    assertMessage(
        "maxEjectionTime: PT-1S (expected: > 0)", () -> b.maxEjectionTime(Duration.ofSeconds(-1)));
    assertMessage("maxEjectedShare: 0.0 (expected: in (0, 1])", () -> b.maxEjectedShare(0));
    assertMessage("maxEjectedShare: 1.1 (expected: in (0, 1])", () -> b.maxEjectedShare(1.1));
    BalancerBuilder builder = Balancers.builder();
    assertMessage(
        "maxEjectionTime: PT10S (expected: >= baseEjectionTime PT30S)",
        () -> builder.outlierDetection(o -> o.maxEjectionTime(Duration.ofSeconds(10))));
    assertEquals(
        "baseEjectionTime",
        assertThrows(NullPointerException.class, () -> b.baseEjectionTime(null)).getMessage());
  }

  private void failOn(String id, int n) {
    for (int k = 0; k < n; k++) {
      Lease lease = null;
      for (int attempt = 0; attempt < 100 && lease == null; attempt++) {
        Lease l = balancer.acquire();
        if (l.endpoint().id().equals(id)) {
          lease = l;
        } else {
          l.close();
        }
      }
      try (Lease l = lease) {
        l.failure();
      }
    }
  }

  private static void assertMessage(
      String message, org.junit.jupiter.api.function.Executable call) {
    assertEquals(message, assertThrows(IllegalArgumentException.class, call).getMessage());
  }
}
