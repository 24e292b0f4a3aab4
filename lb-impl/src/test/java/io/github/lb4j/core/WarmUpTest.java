package io.github.lb4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lb4j.Endpoint;
import io.github.lb4j.HealthState;
import io.github.lb4j.Lease;
import io.github.lb4j.PickerFactory;
import io.github.lb4j.testing.FakeClock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

final class WarmUpTest {
  private static final Duration WINDOW = Duration.ofSeconds(10);
  private static final Endpoint NEW = Endpoint.of("http://10.0.0.9:8080");

  private final FakeClock clock = new FakeClock();
  private DefaultBalancer balancer;

  @AfterEach
  void tearDown() {
    if (balancer != null) {
      balancer.close();
    }
  }

  private DefaultBalancer start(PickerFactory picker, Consumer<WarmUpBuilder> warmUp) {
    balancer =
        Balancers.builder()
            .name("warm")
            .endpoints("http://10.0.0.1:8080", "http://10.0.0.2:8080", "http://10.0.0.3:8080")
            .picker(picker)
            .ticker(clock)
            .scheduler(clock)
            .warmUp(warmUp)
            .buildDefault();
    return balancer;
  }

  private int picksOfNew(int n) {
    int hits = 0;
    for (int i = 0; i < n; i++) {
      if (balancer.choose().equals(NEW)) {
        hits++;
      }
    }
    return hits;
  }

  @Test
  void warmUp_roundRobin_shareFollowsTheLinearCurve() {
    start(Pickers.roundRobin(), w -> w.window(WINDOW).minShare(0.1));
    balancer.add(NEW);

    // Weights 100:100:100:10 -> one pick in 31 while the factor is the 10% floor.
    assertEquals(10, picksOfNew(310));
    clock.advance(Duration.ofSeconds(2)); // 20%: 5:5:5:1
    assertEquals(10, picksOfNew(160));
    clock.advance(Duration.ofSeconds(3)); // 50%: 2:2:2:1
    assertEquals(10, picksOfNew(70));
    clock.advance(Duration.ofMillis(2500)); // 75%: 4:4:4:3
    assertEquals(9, picksOfNew(45));
    clock.advance(Duration.ofMillis(2500)); // done: equal shares
    assertEquals(25, picksOfNew(100));
    assertEquals(0, clock.pending(), "no more rebuilds once nobody warms up");
    assertEquals(1.0, balancer.slot(NEW.id()).warmUpFactor());
  }

  @Test
  void warmUp_betweenSteps_keepsTheFactorOfTheLastStep() {
    start(Pickers.roundRobin(), w -> w.window(WINDOW).minShare(0.1));
    balancer.add(NEW);
    clock.advance(Duration.ofMillis(4999)); // the step at 4 s set 40%: 5:5:5:2
    assertEquals(10, picksOfNew(85));
  }

  @Test
  void warmUp_aggression_bendsTheCurve() {
    start(Pickers.roundRobin(), w -> w.window(WINDOW).aggression(2).minShare(0.01));
    balancer.add(NEW);
    clock.advance(Duration.ofMillis(2500)); // not a step: the step at 2 s gives sqrt(0.2)
    assertEquals(Math.sqrt(0.2), balancer.slot(NEW.id()).warmUpFactor(), 1e-12);
    clock.advance(Duration.ofMillis(500)); // sqrt(0.3) = 0.548 -> 100:100:100:55
    assertEquals(11, picksOfNew(71)); // 20:20:20:11 per 71
  }

  @Test
  void warmUp_initialEndpoints_doNotWarmUp() {
    start(Pickers.roundRobin(), w -> w.window(WINDOW));
    assertEquals(0, clock.pending());
    int first = 0;
    for (int i = 0; i < 30; i++) {
      if (balancer.choose().id().equals("http://10.0.0.1:8080")) {
        first++;
      }
    }
    assertEquals(10, first);
  }

  /**
   * Keeps {@code concurrency} calls in flight, each new call replacing the oldest, and returns the
   * warming endpoint's in-flight count at the end: its share of a busy balancer's load.
   */
  private int steadyInFlightOfNew(Deque<Lease> inFlight, int concurrency, int calls) {
    for (int i = 0; i < calls; i++) {
      if (inFlight.size() >= concurrency) {
        inFlight.removeFirst().close();
      }
      inFlight.addLast(balancer.acquire());
    }
    return balancer.snapshot().endpoint(NEW.id()).orElseThrow().inFlight();
  }

  @Test
  void warmUp_leastConnection_newEndpointIsNotFloodedAndRampsUp() {
    start(Pickers.leastConnection(new Random(1)), w -> w.window(WINDOW).minShare(0.1));
    Deque<Lease> inFlight = new ArrayDeque<>();
    for (int i = 0; i < 100; i++) {
      inFlight.addLast(balancer.acquire()); // 3 old endpoints, about 33 calls each
    }
    balancer.add(NEW);
    // Without warm-up the idle newcomer would take the next ~33 calls in a row.
    int burst = 0;
    for (int i = 0; i < 20; i++) {
      inFlight.removeFirst().close();
      Lease lease = balancer.acquire();
      inFlight.addLast(lease);
      if (lease.endpoint().equals(NEW)) {
        burst++;
      }
    }
    assertTrue(burst <= 4, "burst " + burst);

    // Steady state: in flight on the newcomer is about factor / (3 + factor) of the 100.
    assertBetween(2, 5, steadyInFlightOfNew(inFlight, 100, 2000)); // 10%: 3.2
    clock.advance(Duration.ofSeconds(5));
    assertBetween(12, 17, steadyInFlightOfNew(inFlight, 100, 2000)); // 50%: 14.3
    clock.advance(Duration.ofSeconds(5));
    assertBetween(23, 27, steadyInFlightOfNew(inFlight, 100, 2000)); // 100%: 25
  }

  @Test
  void warmUp_leastConnectionOneCallAtATime_shareFollowsTheCurve() {
    start(Pickers.leastConnection(new Random(3)), w -> w.window(WINDOW).minShare(0.1));
    balancer.add(NEW);
    // Every endpoint is idle at each pick: ties are broken by weight, 0.1 / 3.1 = 3.2%.
    assertBetween(60, 140, sequentialPicksOfNew(3100));
    clock.advance(Duration.ofSeconds(5)); // 0.5 / 3.5 = 14.3%
    assertBetween(400, 490, sequentialPicksOfNew(3100));
    clock.advance(Duration.ofSeconds(5)); // 25%
    assertBetween(700, 850, sequentialPicksOfNew(3100));
  }

  @Test
  void warmUp_leastConnectionAboveExactScanLimit_shareFollowsTheCurve() {
    List<Endpoint> many = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      many.add(Endpoint.of("http://10.0.1." + i + ":8080"));
    }
    balancer =
        Balancers.builder()
            .endpoints(many)
            .picker(Pickers.leastConnection(new Random(5)))
            .ticker(clock)
            .scheduler(clock)
            .warmUp(w -> w.window(WINDOW).minShare(0.1))
            .buildDefault();
    balancer.add(NEW);
    // Two choices, idle ties by weight: about 2/21 * 0.1/1.1 = 0.87% instead of 4.8%.
    assertBetween(30, 150, sequentialPicksOfNew(10_000));
  }

  private int sequentialPicksOfNew(int n) {
    int hits = 0;
    for (int i = 0; i < n; i++) {
      try (Lease lease = balancer.acquire()) {
        lease.success();
        if (lease.endpoint().equals(NEW)) {
          hits++;
        }
      }
    }
    return hits;
  }

  @Test
  void warmUp_boundedConsistentHash_capsTheNewEndpointByItsShare() {
    start(
        Pickers.consistentHashBuilder().boundedLoad(1.25).build(),
        w -> w.window(WINDOW).minShare(0.1));
    balancer.add(NEW);
    List<Lease> held = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      held.add(balancer.acquire("user-" + i));
    }
    int warming = balancer.snapshot().endpoint(NEW.id()).orElseThrow().inFlight();
    // cap = ceil(1.25 * 400 * 0.1 / 3.1) = 17, and keys do land on it
    assertBetween(1, 17, warming);
    held.forEach(Lease::close);
    held.clear();

    clock.advance(WINDOW);
    for (int i = 0; i < 400; i++) {
      held.add(balancer.acquire("user-" + i));
    }
    int warm = balancer.snapshot().endpoint(NEW.id()).orElseThrow().inFlight();
    assertBetween(60, 125, warm); // its full share, capped at 1.25 * 100
    held.forEach(Lease::close);
  }

  @Test
  void warmUp_afterEjection_restoredEndpointRampsUp() {
    balancer =
        Balancers.builder()
            .endpoints("http://10.0.0.1:8080", "http://10.0.0.2:8080", "http://10.0.0.3:8080")
            .ticker(clock)
            .scheduler(clock)
            .outlierDetection(o -> o.consecutiveFailures(1).baseEjectionTime(Duration.ofSeconds(1)))
            .warmUp(w -> w.window(WINDOW).minShare(0.1))
            .buildDefault();
    String id = "http://10.0.0.1:8080";
    Lease failing;
    do {
      failing = balancer.acquire();
      if (!failing.endpoint().id().equals(id)) {
        failing.close();
      }
    } while (!failing.endpoint().id().equals(id));
    failing.failure();
    failing.close();
    assertEquals(HealthState.EJECTED, balancer.slot(id).health());

    clock.advance(Duration.ofSeconds(1));
    assertEquals(HealthState.HEALTHY, balancer.slot(id).health());
    assertEquals(0.1, balancer.slot(id).warmUpFactor());
    int hits = 0;
    for (int i = 0; i < 210; i++) {
      if (balancer.choose().id().equals(id)) {
        hits++;
      }
    }
    assertEquals(10, hits);
  }

  @Test
  void warmUp_curve_matchesTheFormula() {
    WarmUp linear = new WarmUp(WINDOW.toNanos(), 1, 0.1);
    assertEquals(0.1, linear.factor(0));
    assertEquals(0.1, linear.factor(WINDOW.toNanos() / 20));
    assertEquals(0.5, linear.factor(WINDOW.toNanos() / 2));
    assertEquals(1.0, linear.factor(WINDOW.toNanos()));
    WarmUp aggressive = new WarmUp(WINDOW.toNanos(), 4, 0.01);
    assertEquals(Math.pow(0.5, 0.25), aggressive.factor(WINDOW.toNanos() / 2), 1e-12);
    assertEquals(WINDOW.toNanos() / 10, linear.untilNextStep(0));
    assertEquals(1, linear.untilNextStep(WINDOW.toNanos() / 10 - 1));
  }

  @Test
  void warmUpBuilder_invalidValues_rejectedWithMessages() {
    WarmUpBuilder b = new WarmUpBuilder();
    assertMessage("window: PT0S (expected: > 0)", () -> b.window(Duration.ZERO));
    assertMessage("aggression: 0.0 (expected: > 0 and finite)", () -> b.aggression(0));
    assertMessage(
        "aggression: Infinity (expected: > 0 and finite)",
        () -> b.aggression(Double.POSITIVE_INFINITY));
    assertMessage("minShare: 0.0 (expected: in (0, 1])", () -> b.minShare(0));
    assertMessage("minShare: 1.5 (expected: in (0, 1])", () -> b.minShare(1.5));
    assertEquals(
        "window", assertThrows(NullPointerException.class, () -> b.window(null)).getMessage());
  }

  private static void assertBetween(int low, int high, int actual) {
    assertTrue(
        actual >= low && actual <= high, actual + " (expected: in [" + low + ", " + high + "])");
  }

  private static void assertMessage(
      String message, org.junit.jupiter.api.function.Executable call) {
    assertEquals(message, assertThrows(IllegalArgumentException.class, call).getMessage());
  }
}
