package io.github.lb4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lb4j.Balancer;
import io.github.lb4j.Endpoint;
import io.github.lb4j.EndpointState;
import io.github.lb4j.Lease;
import io.github.lb4j.LoadReport;
import io.github.lb4j.testing.FakeClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

final class ReportedLoadPickerTest {
  private static final Duration SECOND = Duration.ofSeconds(1);
  private static final Duration BLACKOUT = ReportedLoadBuilder.DEFAULT_BLACKOUT_PERIOD;

  private final FakeClock clock = new FakeClock();
  private Balancer balancer;

  @AfterEach
  void tearDown() {
    if (balancer != null) {
      balancer.close();
    }
  }

  private Balancer start(int count, Consumer<ReportedLoadBuilder> config) {
    List<Endpoint> endpoints = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      endpoints.add(Endpoint.of(id(i)));
    }
    ReportedLoadBuilder picker = Pickers.reportedLoadBuilder().random(new Random(7));
    config.accept(picker);
    balancer =
        Balancers.builder()
            .name("reported")
            .endpoints(endpoints)
            .ticker(clock)
            .scheduler(clock)
            .picker(picker.build())
            .build();
    return balancer;
  }

  private static String id(int i) {
    return "http://10.0.0." + i + ":8080";
  }

  /** One call on endpoint {@code i} whose answer carries {@code header}; returns what took it. */
  private boolean answer(int i, String header) {
    try (Lease lease = leaseOn(i)) {
      lease.success();
      return lease.reportLoadHeader(header);
    }
  }

  private Lease leaseOn(int i) {
    return Fixtures.leaseOn(balancer, id(i));
  }

  /** How many of {@code calls} plain choices land on each endpoint. */
  private int[] shares(int count, int calls) {
    int[] shares = new int[count];
    for (int k = 0; k < calls; k++) {
      String chosen = balancer.choose().id();
      for (int i = 0; i < count; i++) {
        if (chosen.equals(id(i))) {
          shares[i]++;
        }
      }
    }
    return shares;
  }

  private EndpointState state(int i) {
    return balancer.snapshot().endpoint(id(i)).orElseThrow();
  }

  /** Every endpoint answers with its report, then a second passes (one weight update). */
  private void tick(String... headers) {
    for (int i = 0; i < headers.length; i++) {
      if (headers[i] != null) {
        assertTrue(answer(i, headers[i]), headers[i]);
      }
    }
    clock.advance(SECOND);
  }

  private static final String W200 = "TEXT cpu_utilization=0.5, rps_fractional=100";
  private static final String W400 = "TEXT cpu_utilization=0.25, rps_fractional=100";
  private static final String W600 = "TEXT cpu_utilization=0.5, rps_fractional=300";

  @Test
  void weights_followReports_afterTheBlackout() {
    start(3, b -> {});
    assertEquals("reported-load", balancer.snapshot().pickerName());
    for (int s = 0; s < 10; s++) {
      tick(W200, W400, W600);
    }
    // First seen at the first update (1 s), so the blackout ends at 11 s: still least-connection.
    int[] during = shares(3, 600);
    assertTrue(during[0] > 150 && during[2] < 250, java.util.Arrays.toString(during));

    tick(W200, W400, W600);
    assertArrayEquals(new int[] {100, 200, 300}, shares(3, 600));

    // New numbers move the weights at the next update: 600 : 400 : 200.
    tick(W600, W400, W200);
    assertArrayEquals(new int[] {300, 200, 100}, shares(3, 600));
  }

  @Test
  void weights_errorsCountAgainstAnEndpoint() {
    start(2, b -> b.blackoutPeriod(Duration.ZERO));
    // Endpoint 0 fails half its calls: utilization 0.5 + 50 / 100 × 1 = 1, weight 100 against 200.
    tick("TEXT cpu_utilization=0.5, rps_fractional=100, eps=50", W200);
    assertArrayEquals(new int[] {100, 200}, shares(2, 300));
  }

  @Test
  void weights_penaltyZero_ignoresErrors() {
    start(2, b -> b.blackoutPeriod(Duration.ZERO).errorUtilizationPenalty(0));
    tick("TEXT cpu_utilization=0.5, rps_fractional=100, eps=50", W200);
    assertArrayEquals(new int[] {150, 150}, shares(2, 300));
  }

  @Test
  void weights_applicationUtilization_winsOverCpu() {
    start(2, b -> b.blackoutPeriod(Duration.ZERO));
    tick("TEXT cpu_utilization=0.9, application_utilization=0.25, rps_fractional=100", W200);
    assertArrayEquals(new int[] {200, 100}, shares(2, 300));
  }

  @Test
  void weights_utilizationMetrics_useTheLargestNamedMetric() {
    start(2, b -> b.blackoutPeriod(Duration.ZERO).utilizationMetrics("queue", "pending"));
    tick(
        "TEXT cpu_utilization=0.1, rps_fractional=100, named_metrics.queue=1, named_metrics.pending=4",
        "TEXT cpu_utilization=0.9, rps_fractional=100, named_metrics.queue=2");
    // Utilizations 4 and 2: weights 25 and 50.
    assertArrayEquals(new int[] {100, 200}, shares(2, 300));
  }

  @Test
  void weights_endpointWithoutReports_getsTheMean() {
    start(3, b -> b.blackoutPeriod(Duration.ZERO));
    tick(W200, W400, null);
    assertArrayEquals(new int[] {200, 400, 300}, shares(3, 900));
  }

  @Test
  void weights_expire_whenReportsStop_andTheBlackoutStartsAgain() {
    start(2, b -> {});
    for (int s = 0; s < 11; s++) {
      tick(W200, W400);
    }
    assertArrayEquals(new int[] {100, 200}, shares(2, 300));

    // Last seen by the update of now; still used until 3 minutes after it.
    clock.advance(Duration.ofMinutes(3).minus(SECOND));
    assertArrayEquals(new int[] {100, 200}, shares(2, 300));
    clock.advance(SECOND);
    int[] expired = shares(2, 300);
    assertTrue(expired[0] > 120, java.util.Arrays.toString(expired)); // least-connection: ~even

    // Reports again: a new blackout before the weights count.
    for (int s = 0; s < 10; s++) {
      tick(W200, W400);
    }
    int[] blackout = shares(2, 300);
    assertTrue(blackout[0] > 120, java.util.Arrays.toString(blackout));
    tick(W200, W400);
    assertArrayEquals(new int[] {100, 200}, shares(2, 300));
  }

  @Test
  void fallback_fewerThanTwoWeights_isLeastConnection() {
    start(2, b -> b.blackoutPeriod(Duration.ZERO));
    tick(W200, "TEXT rps_fractional=100"); // no utilization: no weight
    int[] oneWeight = shares(2, 300);
    assertTrue(oneWeight[0] > 120 && oneWeight[1] > 120, java.util.Arrays.toString(oneWeight));

    // Least-connection, not round-robin: a call held on endpoint 0 sends the rest to endpoint 1.
    try (Lease held = leaseOn(0)) {
      assertEquals(id(1), balancer.acquire().endpoint().id());
    }
  }

  @Test
  void reportLoadHeader_malformed_isIgnoredAndCounted() {
    start(2, b -> b.blackoutPeriod(Duration.ZERO));
    tick(W200, W400);
    LoadReport before = state(0).loadReport();
    assertEquals(LoadReport.parse(W200), before);

    assertFalse(answer(0, "TEXT cpu_utilization=banana"));
    assertFalse(answer(0, "JSON {\"cpu_utilization\": 0.1}"));
    assertFalse(answer(0, "TEXT " + "x".repeat(10_000)));
    assertFalse(answer(0, null)); // no header: not malformed
    assertEquals(3, state(0).malformedLoadReports());
    assertEquals(0, state(1).malformedLoadReports());
    assertEquals(before, state(0).loadReport());

    clock.advance(SECOND);
    assertArrayEquals(new int[] {100, 200}, shares(2, 300));
  }

  @Test
  void reportLoad_zeroUtilization_givesNoWeightAndDoesNotExtendTheRun() {
    start(2, b -> b.blackoutPeriod(Duration.ZERO).weightExpirationPeriod(Duration.ofSeconds(5)));
    tick(W200, W400);
    assertArrayEquals(new int[] {100, 200}, shares(2, 300));
    for (int s = 0; s < 5; s++) {
      tick("TEXT rps_fractional=100", W400); // endpoint 0's reports carry no weight
    }
    // Endpoint 0's weight expired 5 s after its last usable report: fewer than two weights.
    int[] shares = shares(2, 300);
    assertTrue(shares[0] > 120, java.util.Arrays.toString(shares));
  }

  @Test
  void reportLoad_typed_isKept() {
    start(2, b -> {});
    LoadReport report = LoadReport.of(0.5, 10, 0);
    try (Lease lease = leaseOn(1)) {
      lease.reportLoad(report);
      lease.success();
    }
    assertEquals(report, state(1).loadReport());
    assertNull(state(0).loadReport());
    assertThrows(NullPointerException.class, () -> balancer.acquire().reportLoad(null));
  }

  @Test
  void history_endpointBackInService_startsAfreshAndItsOldReportDoesNotCount() {
    ReportedLoadBuilder picker = Pickers.reportedLoadBuilder().random(new Random(7));
    DefaultBalancer direct =
        Balancers.builder()
            .endpoints(Endpoint.of(id(0)), Endpoint.of(id(1)))
            .ticker(clock)
            .scheduler(clock)
            .picker(picker.blackoutPeriod(Duration.ofSeconds(2)).build())
            .buildDefault();
    balancer = direct;
    for (int s = 0; s < 3; s++) {
      tick(W200, W400);
    }
    assertArrayEquals(new int[] {100, 200}, shares(2, 300));

    direct.setHealth(id(0), io.github.lb4j.HealthState.UNHEALTHY, "test");
    clock.advance(SECOND.multipliedBy(5));
    direct.setHealth(id(0), io.github.lb4j.HealthState.HEALTHY, "test");
    // Endpoint 0's last report is from before it left: without a new one it has no weight.
    clock.advance(SECOND.multipliedBy(5));
    int[] back = shares(2, 300);
    assertTrue(back[0] > 120, java.util.Arrays.toString(back));
    // New reports: a blackout of its own, then the weights again.
    tick(W200, W400);
    tick(W200, W400);
    assertTrue(shares(2, 300)[0] > 120);
    tick(W200, W400);
    assertArrayEquals(new int[] {100, 200}, shares(2, 300));
  }

  @Test
  void periodicRebuild_stopsWhenTheBalancerCloses() {
    start(2, b -> {});
    assertEquals(1, clock.pending()); // the next weight update
    balancer.close();
    assertEquals(0, clock.pending());
    clock.advance(Duration.ofMinutes(1)); // nothing runs on a closed balancer
    assertEquals(0, clock.pending());
  }

  @Test
  void cycle_spreadsEachEndpointEvenly() {
    assertArrayEquals(
        new int[] {2, 1, 0, 2, 1, 2}, ReportedLoadPickerFactory.cycle(new int[] {1, 2, 3}));
    assertArrayEquals(new int[] {0, 1}, ReportedLoadPickerFactory.cycle(new int[] {1, 1}));
  }

  @Test
  void round_keepsTheRatiosWithinTheBudget() {
    assertArrayEquals(
        new int[] {1, 2, 3}, ReportedLoadPickerFactory.round(new double[] {200, 400, 600}));
    int[] many = ReportedLoadPickerFactory.round(new double[] {1e12, 1});
    assertEquals(1, many[1]); // a tiny weight still gets a place in the cycle
    assertTrue(many[0] <= ReportedLoadPickerFactory.CYCLE_BUDGET, String.valueOf(many[0]));
  }

  @Test
  void builder_rejectsBadValues() {
    ReportedLoadBuilder b = Pickers.reportedLoadBuilder();
    assertEquals(
        "blackoutPeriod: PT-1S (expected: >= 0)",
        assertThrows(IllegalArgumentException.class, () -> b.blackoutPeriod(Duration.ofSeconds(-1)))
            .getMessage());
    assertEquals(
        "weightExpirationPeriod: PT0S (expected: > 0)",
        assertThrows(IllegalArgumentException.class, () -> b.weightExpirationPeriod(Duration.ZERO))
            .getMessage());
    assertEquals(
        "weightUpdatePeriod: PT0.05S (expected: >= PT0.1S)",
        assertThrows(
                IllegalArgumentException.class, () -> b.weightUpdatePeriod(Duration.ofMillis(50)))
            .getMessage());
    assertEquals(
        "errorUtilizationPenalty: -1.0 (expected: a finite number >= 0)",
        assertThrows(IllegalArgumentException.class, () -> b.errorUtilizationPenalty(-1))
            .getMessage());
    assertEquals(
        "utilizationMetrics: ' ' (expected: a metric name, not blank)",
        assertThrows(IllegalArgumentException.class, () -> b.utilizationMetrics("queue", " "))
            .getMessage());
  }
}
