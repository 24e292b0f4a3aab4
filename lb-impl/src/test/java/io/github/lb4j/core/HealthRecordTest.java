package io.github.lb4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lb4j.Balancer;
import io.github.lb4j.Endpoint;
import io.github.lb4j.EndpointState;
import io.github.lb4j.HealthState;
import io.github.lb4j.Lease;
import io.github.lb4j.testing.FakeClock;
import java.io.IOException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One owner for health: active checks and outlier detection report facts to one record per
 * endpoint, and the state follows one rule (ejected wins; else failing probes or a pending probe
 * after an ejection make it unhealthy; else healthy). A test for each combination.
 */
final class HealthRecordTest {
  private static final Duration INTERVAL = Duration.ofSeconds(1);
  private static final Duration EJECTION = Duration.ofSeconds(30);
  private static final Endpoint A = Endpoint.of("http://10.0.0.1:8080");
  private static final Endpoint B = Endpoint.of("http://10.0.0.2:8080");
  private static final Endpoint C = Endpoint.of("http://10.0.0.3:8080");

  private final FakeClock clock = new FakeClock();
  private final HealthEvents events = new HealthEvents();
  // What the probe answers per endpoint id; passing unless set.
  private final Map<String, Boolean> probeAnswers = new ConcurrentHashMap<>();
  private Balancer balancer;

  @BeforeEach
  void setUp() {
    balancer =
        Balancers.builder()
            .name("record")
            .endpoints(A, B, C)
            .ticker(clock)
            .scheduler(clock)
            .listener(events)
            .healthCheck(
                h ->
                    h.interval(INTERVAL)
                        .timeout(Duration.ofMillis(100))
                        .jitter(0)
                        .unhealthyThreshold(2)
                        .healthyThreshold(2)
                        .probe(
                            e ->
                                CompletableFuture.completedFuture(
                                    probeAnswers.getOrDefault(e.id(), true))))
            .outlierDetection(
                o -> o.consecutiveFailures(3).baseEjectionTime(EJECTION).maxEjectedShare(0.5))
            .build();
  }

  @AfterEach
  void tearDown() {
    balancer.close();
  }

  private HealthState health(Endpoint e) {
    return balancer.snapshot().endpoint(e.id()).map(EndpointState::health).orElseThrow();
  }

  /** Fails {@code n} calls on {@code e}, acquiring until the round-robin lands on it. */
  private void failCalls(Endpoint e, int n) {
    for (int done = 0; done < n; ) {
      try (Lease lease = balancer.acquire()) {
        if (lease.endpoint().equals(e)) {
          lease.failure(new IOException("HTTP 503"));
          done++;
        } else {
          lease.success();
        }
      }
    }
  }

  private Set<Endpoint> chosen(int calls) {
    Set<Endpoint> seen = new HashSet<>();
    for (int i = 0; i < calls; i++) {
      seen.add(balancer.choose());
    }
    return seen;
  }

  @Test
  void ejectedWhileProbesPass_staysOutUntilTheEjectionEndsAndAProbePasses() {
    failCalls(A, 3);
    assertEquals(HealthState.EJECTED, health(A));

    clock.advance(INTERVAL.multipliedBy(5)); // probes keep passing: they do not overrule it
    assertEquals(HealthState.EJECTED, health(A));
    assertFalse(chosen(30).contains(A));

    clock.advance(EJECTION.minus(INTERVAL.multipliedBy(5)));
    // The ejection ended and, with active checks on, one passing probe (run at once) readmits it.
    assertEquals(HealthState.HEALTHY, health(A));
    assertTrue(chosen(30).contains(A));
    assertEquals(
        List.of(
            A.id()
                + " HEALTHY -> EJECTED: 3 consecutive failures (last: java.io.IOException:"
                + " HTTP 503); ejected for PT30S (ejection #1)",
            A.id() + " EJECTED -> UNHEALTHY: ejection of PT30S ended; waiting for a passing probe",
            A.id() + " UNHEALTHY -> HEALTHY: 31 consecutive passing probes"),
        events.events);
  }

  @Test
  void probesFailWhileEjected_unhealthyAfterTheEjectionUntilProbesPassAgain() {
    failCalls(A, 3);
    probeAnswers.put(A.id(), false);
    clock.advance(INTERVAL.multipliedBy(3));
    assertEquals(HealthState.EJECTED, health(A), "an ejection wins over the probes' verdict");

    clock.advance(EJECTION);
    assertEquals(HealthState.UNHEALTHY, health(A), "probes still fail after the ejection");
    assertFalse(chosen(30).contains(A));

    probeAnswers.put(A.id(), true);
    clock.advance(INTERVAL);
    assertEquals(HealthState.UNHEALTHY, health(A), "one pass is below the healthy threshold");
    clock.advance(INTERVAL);
    assertEquals(HealthState.HEALTHY, health(A));
  }

  @Test
  void probesFailAndRecover_withoutEjection() {
    probeAnswers.put(B.id(), false);
    clock.advance(INTERVAL.multipliedBy(2));
    assertEquals(HealthState.UNHEALTHY, health(B));
    probeAnswers.remove(B.id());
    clock.advance(INTERVAL.multipliedBy(2));
    assertEquals(HealthState.HEALTHY, health(B));
  }

  @Test
  void removedWhileEjected_endOfEjectionIsANoOp_andReAddedStartsAfresh() {
    failCalls(A, 3);
    assertEquals(HealthState.EJECTED, health(A));
    assertTrue(balancer.remove(A.id()));
    int eventsBefore = events.events.size();

    clock.advance(EJECTION.plus(INTERVAL));
    assertEquals(eventsBefore, events.events.size(), "nothing happens to a removed endpoint");
    assertEquals(List.of(B, C), balancer.endpoints());

    balancer.add(A);
    EndpointState state = balancer.snapshot().endpoint(A.id()).orElseThrow();
    assertEquals(HealthState.HEALTHY, state.health());
    assertEquals(0, state.ejections(), "a new member has no ejection history");
    assertEquals(0, state.failures());
    assertTrue(chosen(30).contains(A));
  }

  @Test
  void maxEjectedShare_isCheckedByTheRecordsOwner() {
    failCalls(A, 3);
    failCalls(B, 3); // a second ejection of three would exceed half of the endpoints
    assertEquals(HealthState.EJECTED, health(A));
    assertEquals(HealthState.HEALTHY, health(B));
  }
}
