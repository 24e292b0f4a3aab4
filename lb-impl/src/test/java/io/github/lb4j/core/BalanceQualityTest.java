package io.github.lb4j.core;

import static io.github.lb4j.core.Fixtures.endpoint;
import static io.github.lb4j.core.Fixtures.endpoints;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lb4j.BalanceQuality;
import io.github.lb4j.Balancer;
import io.github.lb4j.BalancerSnapshot;
import io.github.lb4j.EndpointState;
import io.github.lb4j.HealthState;
import io.github.lb4j.Lease;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

final class BalanceQualityTest {
  private final AtomicLong now = new AtomicLong();

  private Balancer balancer(io.github.lb4j.PickerFactory picker, int n) {
    return Balancers.builder()
        .picker(picker)
        .ticker(now::get)
        .balanceWindow(Duration.ofSeconds(10))
        .endpoints(endpoints(n))
        .build();
  }

  private static void calls(Balancer balancer, int count) {
    for (int i = 0; i < count; i++) {
      try (Lease lease = balancer.acquire()) {
        lease.success();
      }
    }
  }

  @Test
  void snapshot_evenRoundRobin_sharesAreEqualAndRatioIsOne() {
    Balancer balancer = balancer(Pickers.roundRobin(), 3);
    calls(balancer, 300);
    BalancerSnapshot snapshot = balancer.snapshot();
    for (EndpointState s : snapshot.endpoints()) {
      assertEquals(100, s.picks());
      assertEquals(1 / 3.0, s.recentShare(), 1e-9);
    }
    assertEquals(300, snapshot.balance().recentPicks());
    assertEquals(1.0, snapshot.balance().picksMaxOverMean(), 1e-9);
  }

  @Test
  void snapshot_skewedWeights_ratioShowsTheSkew() {
    Balancer balancer =
        Balancers.builder()
            .ticker(now::get)
            .endpoints(endpoint(0).withWeight(2), endpoint(1), endpoint(2))
            .build();
    calls(balancer, 400);
    BalanceQuality q = balancer.snapshot().balance();
    // 200 / (400 / 3) = 1.5: the weighted endpoint gets its (intended) double share.
    assertEquals(1.5, q.picksMaxOverMean(), 1e-9);
  }

  @Test
  void snapshot_plainChoose_notCounted() {
    Balancer balancer = balancer(Pickers.roundRobin(), 2);
    balancer.choose();
    BalanceQuality q = balancer.snapshot().balance();
    assertEquals(0, q.recentPicks());
    assertEquals(0, q.picksMaxOverMean());
  }

  @Test
  void snapshot_windowRotates_oldPicksAgeOut() {
    Balancer balancer = balancer(Pickers.roundRobin(), 2);
    // Window 1: only endpoint 0 works (endpoint 1 unhealthy).
    ((DefaultBalancer) balancer).setHealth(endpoint(1).id(), HealthState.UNHEALTHY, "test");
    calls(balancer, 100);
    assertEquals(2.0, balancer.snapshot().balance().picksMaxOverMean(), 1e-9);
    // Window 2: both work. Recent still covers window 1 (one to two windows of history).
    ((DefaultBalancer) balancer).setHealth(endpoint(1).id(), HealthState.HEALTHY, "test");
    now.addAndGet(Duration.ofSeconds(10).toNanos());
    balancer.snapshot(); // rotates: older = start, newer = now
    calls(balancer, 100);
    BalancerSnapshot mid = balancer.snapshot();
    assertEquals(200, mid.balance().recentPicks());
    assertEquals(150 / 100.0, mid.balance().picksMaxOverMean(), 1e-9);
    // Window 3: window 1 has aged out; only the even calls of window 2 remain.
    now.addAndGet(Duration.ofSeconds(10).toNanos());
    BalancerSnapshot late = balancer.snapshot();
    assertEquals(100, late.balance().recentPicks());
    assertEquals(1.0, late.balance().picksMaxOverMean(), 1e-9);
    assertEquals(150, late.endpoint(endpoint(0).id()).orElseThrow().picks(), "totals kept");
  }

  @Test
  void snapshot_inFlight_ratioOfBusiestToMean() {
    Balancer balancer = balancer(Pickers.roundRobin(), 2);
    List<Lease> held = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      held.add(balancer.acquire());
    }
    held.get(0).close();
    held.get(2).close(); // endpoint 0: 0 in flight, endpoint 1: 2
    assertEquals(2.0, balancer.snapshot().balance().inFlightMaxOverMean(), 1e-9);
    held.forEach(Lease::close);
    assertEquals(0, balancer.snapshot().balance().inFlightMaxOverMean());
  }

  @Test
  void remappedShare_hashingPicker_aboutOneOverN() {
    Balancer balancer = balancer(Pickers.consistentHash(), 4);
    assertFalse(balancer.snapshot().balance().remappedShare().isPresent(), "no change yet");
    balancer.add(endpoint(4));
    double added = balancer.snapshot().balance().remappedShare().orElseThrow();
    assertTrue(added > 0.15 && added < 0.25, "remapped on add: " + added);
    ((DefaultBalancer) balancer).setHealth(endpoint(1).id(), HealthState.UNHEALTHY, "test");
    double out = balancer.snapshot().balance().remappedShare().orElseThrow();
    assertTrue(out > 0.15 && out < 0.25, "remapped when one of 5 goes unhealthy: " + out);
  }

  @Test
  void remappedShare_classicRing_muchLargerThanOneOverN() {
    // The classic ring numbers servers by position, so removing the first renumbers the rest.
    Balancer balancer = balancer(Pickers.classicSeedHash(), 4);
    balancer.remove(endpoint(0).id());
    double share = balancer.snapshot().balance().remappedShare().orElseThrow();
    assertTrue(share > 0.5, "classic remapped " + share);
  }

  @Test
  void remappedShare_nonHashingPicker_empty() {
    Balancer balancer = balancer(Pickers.roundRobin(), 3);
    balancer.add(endpoint(3));
    assertFalse(balancer.snapshot().balance().remappedShare().isPresent());
  }

  @Test
  void balanceWindow_notPositive_rejected() {
    assertEquals(
        "balanceWindow: PT-1S (expected: > 0)",
        assertThrows(
                IllegalArgumentException.class,
                () -> Balancers.builder().balanceWindow(Duration.ofSeconds(-1)))
            .getMessage());
  }
}
