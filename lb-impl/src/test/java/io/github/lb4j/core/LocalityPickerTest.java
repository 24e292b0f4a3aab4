package io.github.lb4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lb4j.Balancer;
import io.github.lb4j.Endpoint;
import io.github.lb4j.Lease;
import io.github.lb4j.PickerFactory;
import io.github.lb4j.core.LocalityPickerFactory.Group;
import io.github.lb4j.testing.FakeClock;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * Priority tiers and zone-aware routing: the shares against Envoy's rules, then whole balancers on
 * the fake clock whose health probes take endpoints out.
 */
final class LocalityPickerTest {
  private static final double FACTOR = 1.4;

  private static Endpoint endpoint(String id, String zone, int tier) {
    return new Endpoint(
        id,
        URI.create("http://" + id + ":8080"),
        1,
        Map.of(Endpoint.ZONE, zone, Endpoint.PRIORITY, Integer.toString(tier)));
  }

  /** The shares of tiers (zones ignored) with {@code available[t]} of {@code members[t]} up. */
  private static double[] tierShares(int[] available, int[] members) {
    Map<Group, Integer> a = new HashMap<>();
    Map<Group, Integer> m = new HashMap<>();
    for (int t = 0; t < available.length; t++) {
      if (available[t] > 0) {
        a.put(new Group(t, ""), available[t]);
      }
      m.put(new Group(t, ""), members[t]);
    }
    Map<Group, Double> shares = LocalityPickerFactory.shares(a, m, null, FACTOR);
    double[] result = new double[available.length];
    shares.forEach((g, s) -> result[g.tier()] = s);
    return result;
  }

  @Test
  void shares_tiers_followEnvoysPriorityLoads() {
    double eps = 1e-9;
    // All healthy: tier 0 takes everything.
    assertArrayClose(new double[] {1, 0}, tierShares(new int[] {10, 10}, new int[] {10, 10}), eps);
    // 80% healthy × 1.4 = 112%: still everything.
    assertArrayClose(new double[] {1, 0}, tierShares(new int[] {8, 10}, new int[] {10, 10}), eps);
    // At 5 of 7 (1.4 × 5/7 = 1) tier 0 holds; at 4 of 7 it lets 20% go.
    assertArrayClose(new double[] {1, 0}, tierShares(new int[] {5, 7}, new int[] {7, 7}), eps);
    assertArrayClose(new double[] {0.8, 0.2}, tierShares(new int[] {4, 7}, new int[] {7, 7}), eps);
    // 60%: 84% stays, 16% spills to tier 1.
    assertArrayClose(
        new double[] {0.84, 0.16}, tierShares(new int[] {6, 10}, new int[] {10, 10}), eps);
    // The cascade over three tiers: 70%, then 1.4 × 10% = 14% of what is left, then the rest.
    assertArrayClose(
        new double[] {0.7, 0.14, 0.16},
        tierShares(new int[] {5, 1, 10}, new int[] {10, 10, 10}),
        eps);
    // Healths adding up to less than 1 (28% + 28%) are scaled up: half each.
    assertArrayClose(
        new double[] {0.5, 0.5}, tierShares(new int[] {2, 2}, new int[] {10, 10}), eps);
    // Tier 0 gone entirely: tier 1 takes everything even below its own full health.
    assertArrayClose(new double[] {0, 1}, tierShares(new int[] {0, 3}, new int[] {10, 10}), eps);
  }

  private static void assertArrayClose(double[] expected, double[] actual, double eps) {
    assertEquals(expected.length, actual.length);
    for (int i = 0; i < expected.length; i++) {
      assertEquals(
          expected[i], actual[i], eps, "tier " + i + " of " + java.util.Arrays.toString(actual));
    }
  }

  /** Zone shares for a caller in {@code local}; zones as {name, available, members}. */
  private static Map<String, Double> zoneShares(String local, Object[]... zones) {
    Map<Group, Integer> a = new HashMap<>();
    Map<Group, Integer> m = new HashMap<>();
    for (Object[] z : zones) {
      if ((int) z[1] > 0) {
        a.put(new Group(0, (String) z[0]), (int) z[1]);
      }
      m.put(new Group(0, (String) z[0]), (int) z[2]);
    }
    Map<String, Double> result = new HashMap<>();
    LocalityPickerFactory.shares(a, m, local, FACTOR).forEach((g, s) -> result.put(g.zone(), s));
    return result;
  }

  @Test
  void shares_zones_localFirstThenResidualCapacity() {
    // Every zone whole: all traffic stays in the local zone.
    assertEquals(
        Map.of("a", 1.0), zoneShares("a", new Object[] {"a", 10, 10}, new Object[] {"b", 10, 10}));
    // The local zone lost half: it has 20% of the available endpoints for a third of the
    // callers, so it keeps 60% of its callers' traffic and the other two share the rest evenly.
    Map<String, Double> shares =
        zoneShares(
            "a", new Object[] {"a", 5, 10}, new Object[] {"b", 10, 10}, new Object[] {"c", 10, 10});
    assertEquals(0.6, shares.get("a"), 1e-9);
    assertEquals(0.2, shares.get("b"), 1e-9);
    assertEquals(0.2, shares.get("c"), 1e-9);
    // Spill goes by spare capacity: c is itself short, so b takes all of it.
    shares =
        zoneShares(
            "a", new Object[] {"a", 4, 10}, new Object[] {"b", 10, 10}, new Object[] {"c", 6, 10});
    assertEquals(0.6, shares.get("a"), 1e-9);
    assertEquals(0.4, shares.get("b"), 1e-9);
    assertEquals(null, shares.get("c"));
    // A caller in a zone without endpoints spreads by the available endpoints.
    shares = zoneShares("x", new Object[] {"a", 10, 10}, new Object[] {"b", 5, 10});
    assertEquals(2 / 3.0, shares.get("a"), 1e-9);
    assertEquals(1 / 3.0, shares.get("b"), 1e-9);
  }

  @Test
  void shares_zones_noEndpointOverloadedWhenCallersSpreadLikeEndpoints() {
    // Uneven zones and losses; callers in each zone in proportion to the zone's members.
    String[] zones = {"a", "b", "c"};
    int[] members = {12, 8, 10};
    int[] available = {5, 8, 9};
    Map<String, Double> perEndpoint = new HashMap<>();
    int allMembers = 30;
    for (int caller = 0; caller < zones.length; caller++) {
      Object[][] spec = new Object[zones.length][];
      for (int z = 0; z < zones.length; z++) {
        spec[z] = new Object[] {zones[z], available[z], members[z]};
      }
      double callers = members[caller] / (double) allMembers;
      for (Map.Entry<String, Double> e : zoneShares(zones[caller], spec).entrySet()) {
        int z = List.of(zones).indexOf(e.getKey());
        perEndpoint.merge(e.getKey(), callers * e.getValue() / available[z], Double::sum);
      }
    }
    double even = 1.0 / (5 + 8 + 9);
    for (String z : zones) {
      assertEquals(even, perEndpoint.get(z), 1e-9, "load per endpoint in zone " + z);
    }
  }

  /** A balancer over {@code endpoints} whose probes fail for the ids in {@code down}. */
  private static Balancer balancer(
      FakeClock clock, Set<String> down, PickerFactory picker, List<Endpoint> endpoints) {
    return Balancers.builder()
        .name("locality")
        .ticker(clock)
        .scheduler(clock)
        .picker(picker)
        .endpoints(endpoints)
        .healthCheck(
            h ->
                h.interval(Duration.ofSeconds(1))
                    .jitter(0)
                    .unhealthyThreshold(1)
                    .healthyThreshold(1)
                    .probe(e -> CompletableFuture.completedFuture(!down.contains(e.id()))))
        .build();
  }

  private static Map<String, Integer> countByPrefix(Balancer balancer, int picks) {
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < picks; i++) {
      counts.merge(balancer.choose().id().substring(0, 2), 1, Integer::sum);
    }
    return counts;
  }

  @Test
  void choose_tierLosesEndpoints_spillsToNextTierThenComesBack() {
    FakeClock clock = new FakeClock();
    Set<String> down = ConcurrentHashMap.newKeySet();
    List<Endpoint> endpoints = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      endpoints.add(endpoint("p0-" + i, "z", 0));
      endpoints.add(endpoint("p1-" + i, "z", 1));
    }
    PickerFactory picker = Pickers.locality().random(new Random(7)).build();
    try (Balancer balancer = balancer(clock, down, picker, endpoints)) {
      clock.advance(Duration.ofSeconds(1));
      assertEquals(Map.of("p0", 20_000), countByPrefix(balancer, 20_000));

      // 4 of 10 down: 1.4 × 60% = 84% stays in tier 0.
      down.addAll(List.of("p0-0", "p0-1", "p0-2", "p0-3"));
      clock.advance(Duration.ofSeconds(1));
      Map<String, Integer> counts = countByPrefix(balancer, 100_000);
      assertEquals(0.84, counts.get("p0") / 100_000.0, 0.005, counts.toString());
      // Round-robin within the tier: the six left share evenly, the four down get nothing.
      Map<String, Integer> perEndpoint = Fixtures.count(balancer, 60_000);
      assertEquals(null, perEndpoint.get("p0-0"));
      for (int i = 4; i < 10; i++) {
        assertEquals(60_000 * 0.84 / 6, perEndpoint.get("p0-" + i), 60_000 * 0.01);
      }

      down.clear();
      clock.advance(Duration.ofSeconds(1));
      assertEquals(Map.of("p0", 20_000), countByPrefix(balancer, 20_000));
    }
  }

  @Test
  void acquire_localZoneShort_spillsByResidualAndKeepsLeastConnectionWithin() {
    FakeClock clock = new FakeClock();
    Set<String> down = ConcurrentHashMap.newKeySet();
    List<Endpoint> endpoints = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      endpoints.add(endpoint("za-" + i, "a", 0));
      endpoints.add(endpoint("zb-" + i, "b", 0));
      endpoints.add(endpoint("zc-" + i, "c", 0));
    }
    PickerFactory picker =
        Pickers.locality()
            .localZone("a")
            .within(() -> Pickers.leastConnection(new Random(3)))
            .random(new Random(11))
            .build();
    assertEquals("locality(least-connection)", picker.name());
    try (Balancer balancer = balancer(clock, down, picker, endpoints)) {
      clock.advance(Duration.ofSeconds(1));
      // Held leases: least-connection spreads them over the local zone only.
      List<Lease> held = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        held.add(balancer.acquire());
      }
      Map<String, Integer> inFlight = new HashMap<>();
      for (Lease lease : held) {
        inFlight.merge(lease.endpoint().id(), 1, Integer::sum);
      }
      assertEquals(10, inFlight.size(), inFlight.toString());
      assertTrue(
          inFlight.keySet().stream().allMatch(id -> id.startsWith("za")), inFlight.toString());
      assertTrue(inFlight.values().stream().allMatch(n -> n == 3), inFlight.toString());
      held.forEach(Lease::close);

      for (int i = 0; i < 5; i++) {
        down.add("za-" + i);
      }
      clock.advance(Duration.ofSeconds(1));
      Map<String, Integer> counts = countByPrefix(balancer, 100_000);
      assertEquals(0.6, counts.get("za") / 100_000.0, 0.005, counts.toString());
      assertEquals(0.2, counts.get("zb") / 100_000.0, 0.005, counts.toString());
      assertEquals(0.2, counts.get("zc") / 100_000.0, 0.005, counts.toString());
    }
  }

  @Test
  void choose_key_staysOnOneEndpointWithHashingWithin() {
    List<Endpoint> endpoints = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      endpoints.add(endpoint("za-" + i, "a", 0));
      endpoints.add(endpoint("zb-" + i, "b", 0));
    }
    // Nothing down, but a caller in a zone without endpoints splits by the available ones.
    PickerFactory picker =
        Pickers.locality().localZone("x").within(Pickers::consistentHash).build();
    try (Balancer balancer = Balancers.builder().picker(picker).endpoints(endpoints).build()) {
      Set<String> zones = new HashSet<>();
      for (String key : Fixtures.uuidKeys(200, 5)) {
        String first = balancer.choose(key).id();
        zones.add(first.substring(0, 2));
        for (int i = 0; i < 5; i++) {
          assertEquals(first, balancer.choose(key).id(), key);
        }
      }
      assertEquals(Set.of("za", "zb"), zones);
    }
  }

  @Test
  void acquire_boundedLoadWithin_reservesInTheGroup() {
    List<Endpoint> endpoints = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      endpoints.add(endpoint("p0-" + i, "z", 0));
      endpoints.add(endpoint("p1-" + i, "z", 1));
    }
    PickerFactory picker =
        Pickers.locality()
            .within(() -> Pickers.consistentHashBuilder().boundedLoad(1.25).build())
            .build();
    assertTrue(picker.usesTotalInFlight());
    try (Balancer balancer = Balancers.builder().picker(picker).endpoints(endpoints).build()) {
      List<Lease> held = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        held.add(balancer.acquire("hot"));
      }
      Map<String, Integer> inFlight = new HashMap<>();
      held.forEach(l -> inFlight.merge(l.endpoint().id(), 1, Integer::sum));
      // The hot key spills within tier 0 under the cap, never to tier 1.
      assertEquals(4, inFlight.size(), inFlight.toString());
      assertTrue(inFlight.keySet().stream().allMatch(id -> id.startsWith("p0")));
      held.forEach(Lease::close);
      assertEquals(0, balancer.snapshot().totalInFlight());
    }
  }

  @Test
  void acquireExcluding_roundRobinWithin_retryStaysInTheTier() {
    List<Endpoint> endpoints = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      endpoints.add(endpoint("p0-" + i, "z", 0));
      endpoints.add(endpoint("p1-" + i, "z", 1));
    }
    try (Balancer balancer =
        Balancers.builder().picker(Pickers.locality().build()).endpoints(endpoints).build()) {
      for (int i = 0; i < 100; i++) {
        // Two of tier 0's three excluded, among them round-robin's turn (the i-th pick goes to
        // p0-(i % 3)), so it declines; the retry must still take tier 0's third, never tier 1.
        String allowed = "p0-" + (i + 1) % 3;
        Set<String> exclude = Set.of("p0-" + i % 3, "p0-" + (i + 2) % 3);
        try (Lease retry = balancer.acquire(null, exclude)) {
          assertEquals(allowed, retry.endpoint().id());
        }
      }
      // The whole tier excluded: the balancer's own fallback takes any available endpoint.
      try (Lease retry = balancer.acquire(null, Set.of("p0-0", "p0-1", "p0-2"))) {
        assertTrue(retry.endpoint().id().startsWith("p1"), retry.endpoint().id());
      }
    }
  }

  @Test
  void membershipChange_roundRobinWithinKeepsItsPosition() {
    List<Endpoint> endpoints = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      endpoints.add(endpoint("p0-" + i, "z", 0));
    }
    try (Balancer balancer =
        Balancers.builder().picker(Pickers.locality().build()).endpoints(endpoints).build()) {
      assertEquals("p0-0", balancer.choose().id());
      assertEquals("p0-1", balancer.choose().id());
      balancer.add(endpoint("p1-0", "z", 1));
      // The tier's factory survived the rebuild: the rotation goes on instead of restarting.
      assertEquals("p0-2", balancer.choose().id());
    }
  }

  @Test
  void acquire_concurrentWithMembershipChanges_staysInTierZeroAndReleasesEverything()
      throws Exception {
    List<Endpoint> endpoints = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      endpoints.add(endpoint("p0-" + i, "z", 0));
      endpoints.add(endpoint("p1-" + i, "z", 1));
    }
    Endpoint joining = endpoint("p0-joining", "z", 0);
    PickerFactory picker = Pickers.locality().within(Pickers::leastConnection).build();
    try (Balancer balancer = Balancers.builder().picker(picker).endpoints(endpoints).build()) {
      java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
      List<String> wrong = java.util.Collections.synchronizedList(new ArrayList<>());
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < 2; t++) {
        Thread thread =
            new Thread(
                () -> {
                  try {
                    start.await();
                    for (int i = 0; i < 20_000; i++) {
                      try (Lease lease = balancer.acquire()) {
                        // Tier 0 is always whole (joining adds to it): tier 1 gets nothing.
                        if (!lease.endpoint().id().startsWith("p0")) {
                          wrong.add(lease.endpoint().id());
                        }
                        lease.success();
                      }
                    }
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                });
        thread.start();
        threads.add(thread);
      }
      start.countDown();
      for (int i = 0; i < 200; i++) {
        balancer.add(joining);
        balancer.remove(joining.id());
      }
      for (Thread thread : threads) {
        thread.join(60_000);
      }
      assertEquals(List.of(), wrong);
      assertEquals(0, balancer.snapshot().totalInFlight());
    }
  }

  @Test
  void builder_badArguments_throwNamingTheValue() {
    LocalityBuilder b = Pickers.locality();
    assertEquals(
        "localZone: ' ' (expected: not blank)",
        assertThrows(IllegalArgumentException.class, () -> b.localZone(" ")).getMessage());
    assertEquals(
        "overprovisioningFactor: 0.9 (expected: a finite number >= 1)",
        assertThrows(IllegalArgumentException.class, () -> b.overprovisioningFactor(0.9))
            .getMessage());
    assertThrows(IllegalArgumentException.class, () -> b.overprovisioningFactor(Double.NaN));
    assertThrows(NullPointerException.class, () -> b.within(null));
    assertEquals(
        "within: the supplier returned null (expected: a factory)",
        assertThrows(IllegalArgumentException.class, () -> b.within(() -> null).build())
            .getMessage());
    PickerFactory shared = Pickers.roundRobin();
    PickerFactory twice = b.within(() -> shared).build();
    List<Endpoint> two = List.of(endpoint("a", "z", 0), endpoint("b", "z", 1));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Balancers.builder().picker(twice).endpoints(two).build());
    assertEquals(
        "within: the supplier returned the same factory round-robin twice"
            + " (expected: a new factory per call, such as Pickers::leastConnection)",
        e.getMessage());
    assertNotNull(Pickers.locality().build());
    // The inner strategy's needs pass through: reported load is recomputed periodically.
    PickerFactory reported = Pickers.locality().within(Pickers::reportedLoad).build();
    assertEquals(Pickers.reportedLoad().rebuildPeriod(), reported.rebuildPeriod());
    assertTrue(reported.rebuildPeriod().compareTo(Duration.ZERO) > 0);
  }
}
