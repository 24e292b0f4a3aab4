package io.github.lb4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.lb4j.Balancer;
import io.github.lb4j.Endpoint;
import io.github.lb4j.HealthState;
import io.github.lb4j.Lease;
import io.github.lb4j.testing.FakeClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Success-rate and failure-percentage ejection (Envoy, gRFC A50) on the fake clock. */
final class OutlierStatisticsTest {
  private static final Duration INTERVAL = OutlierDetectionBuilder.DEFAULT_INTERVAL;

  private final FakeClock clock = new FakeClock();
  private final HealthEvents events = new HealthEvents();
  private Balancer balancer;
  private int count;

  @AfterEach
  void tearDown() {
    if (balancer != null) {
      balancer.close();
    }
  }

  /** {@code count} endpoints, round-robin, the consecutive-failure rule out of the way. */
  private void start(int count, Consumer<OutlierDetectionBuilder> config) {
    this.count = count;
    List<Endpoint> endpoints = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      endpoints.add(Endpoint.of(id(i)));
    }
    balancer =
        Balancers.builder()
            .name("statistics")
            .endpoints(endpoints)
            .ticker(clock)
            .scheduler(clock)
            .listener(events)
            .outlierDetection(
                o -> {
                  o.consecutiveFailures(Integer.MAX_VALUE).random(new Random(11));
                  config.accept(o);
                })
            .build();
  }

  private static String id(int i) {
    return "http://10.0.0." + i + ":8080";
  }

  private static int index(Endpoint e) {
    String id = e.id();
    return Integer.parseInt(id.substring("http://10.0.0.".length(), id.lastIndexOf(':')));
  }

  /**
   * {@code calls} calls on each available endpoint (round-robin visits each once per round);
   * endpoint {@code i} fails the first {@code failPercent[i]} of every 100 of its calls.
   */
  private void calls(int calls, int... failPercent) {
    int[] made = new int[count];
    int available =
        (int)
            balancer.snapshot().endpoints().stream()
                .filter(s -> s.health() == HealthState.HEALTHY)
                .count();
    for (int k = 0; k < calls * available; k++) {
      try (Lease lease = balancer.acquire()) {
        int i = index(lease.endpoint());
        int fail = i < failPercent.length ? failPercent[i] : 0;
        if (made[i]++ % 100 < fail) {
          lease.failure();
        } else {
          lease.success();
        }
      }
    }
  }

  private HealthState health(int i) {
    return balancer.snapshot().endpoint(id(i)).orElseThrow().health();
  }

  private int ejected() {
    return (int)
        balancer.snapshot().endpoints().stream()
            .filter(s -> s.health() == HealthState.EJECTED)
            .count();
  }

  @Test
  void successRate_outlier_isEjectedAtTheEndOfTheInterval_andComesBack() {
    start(10, o -> o.successRate(s -> {}));
    calls(100, 50);
    clock.advance(INTERVAL.minusNanos(1));
    assertEquals(HealthState.HEALTHY, health(0));
    clock.advance(Duration.ofNanos(1));
    assertEquals(HealthState.EJECTED, health(0));
    assertEquals(1, ejected());
    // Nine at 1.0 and one at 0.5: mean 0.95, stdev 0.15, threshold 0.95 - 1.9 x 0.15 = 0.665.
    assertEquals(
        id(0)
            + " HEALTHY -> EJECTED: success rate 0.500 over 100 calls, below 0.665 (mean 0.950"
            + " - 1.90 x stdev 0.150 of 10 endpoints); ejected for PT30S (ejection #1)",
        events.events.get(0));

    clock.advance(OutlierDetectionBuilder.DEFAULT_BASE_EJECTION_TIME);
    assertEquals(HealthState.HEALTHY, health(0));
  }

  @Test
  void successRate_withinTheSpread_isNotEjected() {
    start(10, o -> o.successRate(s -> s.stdevFactor(1.9)));
    calls(100, 5, 3, 0, 2, 4, 1, 0, 3, 2, 6); // rates 0.94 to 1.0: nobody 1.9 stdev below
    clock.advance(INTERVAL);
    assertEquals(0, ejected());
  }

  @Test
  void successRate_tooFewHosts_doesNotRun() {
    start(4, o -> o.successRate(s -> s.minimumHosts(5)));
    calls(100, 100);
    clock.advance(INTERVAL);
    assertEquals(0, ejected());
  }

  @Test
  void successRate_tooLittleVolume_doesNotJudge() {
    start(10, o -> o.successRate(s -> s.requestVolume(100)));
    calls(99, 60);
    clock.advance(INTERVAL);
    assertEquals(0, ejected());

    // The next interval counts on its own: 100 calls are enough.
    calls(100, 60);
    clock.advance(INTERVAL);
    assertEquals(HealthState.EJECTED, health(0));
  }

  @Test
  void successRate_enforcementZero_neverEjects_hundredAlways() {
    start(10, o -> o.successRate(s -> s.enforcementPercentage(0)));
    for (int interval = 0; interval < 5; interval++) {
      calls(100, 50);
      clock.advance(INTERVAL);
    }
    assertEquals(0, ejected());
    balancer.close();

    start(10, o -> o.successRate(s -> s.enforcementPercentage(100)));
    calls(100, 50);
    clock.advance(INTERVAL);
    assertEquals(HealthState.EJECTED, health(0));
  }

  @Test
  void failurePercentage_atTheThreshold_isEjected_belowIsNot() {
    start(5, o -> o.failurePercentage(f -> {}).maxEjectedShare(1));
    calls(100, 85, 84);
    clock.advance(INTERVAL);
    assertEquals(HealthState.EJECTED, health(0));
    assertEquals(HealthState.HEALTHY, health(1));
    assertEquals(
        id(0)
            + " HEALTHY -> EJECTED: 85 of 100 calls failed (85.0%, at least 85%); ejected for"
            + " PT30S (ejection #1)",
        events.events.get(0));
  }

  @Test
  void failurePercentage_tooFewHosts_doesNotRun() {
    start(4, o -> o.failurePercentage(f -> f.minimumHosts(5)));
    calls(100, 100);
    clock.advance(INTERVAL);
    assertEquals(0, ejected());
  }

  @Test
  void failurePercentage_tooLittleVolume_perInterval_doesNotJudge() {
    start(5, o -> o.failurePercentage(f -> f.requestVolume(50)));
    calls(49, 100);
    clock.advance(INTERVAL);
    calls(49, 100);
    clock.advance(INTERVAL);
    assertEquals(0, ejected()); // 98 failures, but never 50 calls in one interval
  }

  @Test
  void failurePercentage_enforcementZero_neverEjects() {
    start(5, o -> o.failurePercentage(f -> f.enforcementPercentage(0)));
    calls(100, 100);
    clock.advance(INTERVAL);
    assertEquals(0, ejected());
  }

  @Test
  void statistics_respectTheMaxEjectedShare() {
    start(10, o -> o.failurePercentage(f -> {}).maxEjectedShare(0.2));
    calls(100, 90, 90, 90);
    clock.advance(INTERVAL);
    assertEquals(2, ejected());
    assertEquals(HealthState.HEALTHY, health(2));
  }

  @Test
  void statistics_bothRules_runTogether_successRateFirst() {
    start(
        10, o -> o.successRate(s -> {}).failurePercentage(f -> f.threshold(30)).maxEjectedShare(1));
    calls(100, 40, 0, 0, 0, 0, 0, 0, 0, 0, 100);
    clock.advance(INTERVAL);
    // Endpoint 9's zero success rate widens the spread (mean 0.86, stdev 0.31): the success-rate
    // rule finds only it, and the failure-percentage rule finds endpoint 0 (40% >= 30%).
    assertEquals(2, ejected());
    assertEquals(2, events.events.size());
    assertEquals(
        id(9)
            + " HEALTHY -> EJECTED: success rate 0.000 over 100 calls, below 0.270 (mean 0.860"
            + " - 1.90 x stdev 0.310 of 10 endpoints); ejected for PT30S (ejection #1)",
        events.events.get(0));
    assertEquals(
        id(0)
            + " HEALTHY -> EJECTED: 40 of 100 calls failed (40.0%, at least 30%); ejected for"
            + " PT30S (ejection #1)",
        events.events.get(1));
  }

  @Test
  void builder_rejectsBadValues() {
    OutlierDetectionBuilder b = new OutlierDetectionBuilder();
    assertEquals(
        "interval: PT0S (expected: > 0)",
        assertThrows(IllegalArgumentException.class, () -> b.interval(Duration.ZERO)).getMessage());
    assertEquals(
        "stdevFactor: -1.0 (expected: a finite number >= 0)",
        assertThrows(IllegalArgumentException.class, () -> b.successRate(s -> s.stdevFactor(-1)))
            .getMessage());
    assertEquals(
        "enforcementPercentage: 101 (expected: in [0, 100])",
        assertThrows(
                IllegalArgumentException.class,
                () -> b.successRate(s -> s.enforcementPercentage(101)))
            .getMessage());
    assertEquals(
        "minimumHosts: 0 (expected: >= 1)",
        assertThrows(IllegalArgumentException.class, () -> b.successRate(s -> s.minimumHosts(0)))
            .getMessage());
    assertEquals(
        "requestVolume: 0 (expected: >= 1)",
        assertThrows(
                IllegalArgumentException.class, () -> b.failurePercentage(f -> f.requestVolume(0)))
            .getMessage());
    assertEquals(
        "threshold: -1 (expected: in [0, 100])",
        assertThrows(
                IllegalArgumentException.class, () -> b.failurePercentage(f -> f.threshold(-1)))
            .getMessage());
    assertThrows(NullPointerException.class, () -> b.random(null));
  }
}
