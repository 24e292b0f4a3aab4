package io.github.lb4j.core;

import static io.github.lb4j.core.Fixtures.endpoint;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lb4j.Balancer;
import io.github.lb4j.Candidate;
import io.github.lb4j.Endpoint;
import io.github.lb4j.EndpointState;
import io.github.lb4j.Lease;
import io.github.lb4j.Picker;
import io.github.lb4j.PickerFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

final class LeastLoadPickerTest {

  @Test
  void acquire_prefersTheEndpointWithFewestInFlight() {
    Balancer balancer = Fixtures.balancer(Pickers.leastConnection(new Random(1)), 3);
    List<Lease> held = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      held.add(balancer.acquire());
    }
    // Nothing completes, so least-connection must fill the three endpoints evenly.
    balancer.snapshot().endpoints().forEach(s -> assertEquals(10, s.inFlight(), s.toString()));
    held.get(0).close(); // one endpoint now has 9
    Endpoint freed = held.get(0).endpoint();
    assertEquals(freed, balancer.acquire().endpoint());
  }

  @Test
  void acquire_honoursWeights() {
    Balancer balancer =
        Balancers.builder()
            .picker(Pickers.leastConnection(new Random(2)))
            .endpoints(endpoint(0).withWeight(1), endpoint(1).withWeight(3))
            .build();
    for (int i = 0; i < 40; i++) {
      balancer.acquire();
    }
    assertEquals(10, balancer.snapshot().endpoint(endpoint(0).id()).orElseThrow().inFlight());
    assertEquals(30, balancer.snapshot().endpoint(endpoint(1).id()).orElseThrow().inFlight());
  }

  @Test
  void choose_allIdle_breaksTiesAtRandomOverEveryEndpoint() {
    Balancer balancer = Fixtures.balancer(Pickers.leastConnection(new Random(3)), 5);
    Map<String, Integer> counts = Fixtures.count(balancer, 5_000);
    assertEquals(5, counts.size());
    counts.values().forEach(n -> assertTrue(n > 850 && n < 1150, "counts: " + counts));
  }

  @Test
  void twoChoices_largeSet_samplesTwoDistinctCandidates() {
    // With two candidates loaded 0 and 1, distinct sampling always returns the idle one; sampling
    // with replacement would return the busy one a quarter of the time.
    List<Candidate> candidates = new ArrayList<>();
    for (int i = 0; i < LeastLoadPickerFactory.EXACT_SCAN_LIMIT + 1; i++) {
      int load = i == 0 ? 0 : 1;
      candidates.add(fixed(endpoint(i), load, 0));
    }
    Picker picker =
        new LeastLoadPickerFactory(LeastLoadPickerFactory.Mode.CONNECTIONS, Rng.of(new Random(4)))
            .newPicker(candidates, null);
    Set<Candidate> seen = new HashSet<>();
    int idleWins = 0;
    for (int i = 0; i < 20_000; i++) {
      Candidate c = picker.pick(null);
      seen.add(c);
      if (c == candidates.get(0)) {
        idleWins++;
      }
    }
    assertEquals(candidates.size(), seen.size());
    // The idle one wins whenever it is one of the two samples: 2/17 of picks.
    assertTrue(Math.abs(idleWins - 20_000 * 2 / 17.0) < 400, "idle wins " + idleWins);
  }

  @Test
  void twoChoices_largeSet_keepsLoadBalancedUnderLeases() {
    Balancer balancer = Fixtures.balancer(Pickers.leastConnection(new Random(5)), 100);
    for (int i = 0; i < 1_000; i++) {
      balancer.acquire();
    }
    int max = balancer.snapshot().endpoints().stream().mapToInt(s -> s.inFlight()).max().orElse(0);
    // Power of two choices keeps the maximum within a few of the mean (10); random would give ~20.
    assertTrue(max <= 14, "max in flight " + max);
  }

  @Test
  void peakEwma_prefersTheFasterEndpoint() {
    AtomicLong now = new AtomicLong();
    Balancer balancer =
        Balancers.builder()
            .picker(Pickers.peakEwma(new Random(6)))
            .ticker(now::get)
            .endpoints(endpoint(0), endpoint(1))
            .build();
    // Teach it: endpoint 0 answers in 10 ms, endpoint 1 in 100 ms.
    DefaultBalancer internals = (DefaultBalancer) balancer;
    for (int i = 0; i < 20; i++) {
      now.addAndGet(1_000_000);
      internals.slot(endpoint(0).id()).recordSuccess(now.get() - 10_000_000);
      internals.slot(endpoint(1).id()).recordSuccess(now.get() - 100_000_000);
    }
    Map<String, Integer> picks = new HashMap<>();
    for (int i = 0; i < 100; i++) {
      picks.merge(balancer.choose().id(), 1, Integer::sum);
    }
    assertEquals(Map.of(endpoint(0).id(), 100), picks);
    double fast = balancer.snapshot().endpoint(endpoint(0).id()).orElseThrow().latencyEwmaNanos();
    double slow = balancer.snapshot().endpoint(endpoint(1).id()).orElseThrow().latencyEwmaNanos();
    assertTrue(fast < slow, fast + " vs " + slow);
  }

  @Test
  void peakEwma_latencyDecaysTowardsZeroWhileIdle() {
    AtomicLong now = new AtomicLong();
    Balancer balancer =
        Balancers.builder()
            .picker(Pickers.peakEwma())
            .ticker(now::get)
            .latencyDecay(java.time.Duration.ofSeconds(10))
            .endpoints(endpoint(0))
            .build();
    try (Lease lease = balancer.acquire()) {
      now.addAndGet(50_000_000);
      lease.success();
    }
    double fresh = balancer.snapshot().endpoints().get(0).latencyEwmaNanos();
    assertEquals(50_000_000, fresh, 1);
    now.addAndGet(10_000_000_000L); // one time constant
    double decayed = balancer.snapshot().endpoints().get(0).latencyEwmaNanos();
    // The decay is a cheap rational stand-in for exp(-t/tau): within 3% of it at one time constant.
    assertEquals(50_000_000 / Math.E, decayed, 0.03 * 50_000_000 / Math.E);
  }

  @Test
  void peakEwma_newEndpointWithoutSamples_getsOneProbeNotAFlood() {
    AtomicLong now = new AtomicLong();
    Balancer balancer =
        Balancers.builder()
            .picker(Pickers.peakEwma(new Random(7)))
            .ticker(now::get)
            .endpoints(endpoint(0))
            .build();
    try (Lease lease = balancer.acquire()) {
      now.addAndGet(5_000_000);
      lease.success();
    }
    balancer.add(endpoint(1));
    List<Lease> held = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      held.add(balancer.acquire());
    }
    long toNewcomer = held.stream().filter(l -> l.endpoint().equals(endpoint(1))).count();
    assertEquals(1, toNewcomer);
  }

  // ---- least-connection: ties

  @Test
  void leastConnection_twoIdleAfterBusyOnes_splitEvenly() {
    // Endpoints 0 and 1 hold a call each, 2 and 3 are idle. Scanning from a random start and
    // keeping the first lightest sent 3 of 4 calls to endpoint 2, the idle one after the busy run.
    Balancer balancer = Fixtures.balancer(Pickers.leastConnection(new Random(11)), 4);
    List<Lease> first = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      first.add(balancer.acquire());
    }
    for (Lease lease : first) {
      int index = Fixtures.endpoints(4).indexOf(lease.endpoint());
      if (index >= 2) {
        lease.close();
      }
    }
    Map<String, Integer> counts = sequentialCalls(balancer, 10_000);
    assertEquals(Set.of(endpoint(2).id(), endpoint(3).id()), counts.keySet(), counts::toString);
    assertShare(0.5, counts.get(endpoint(2).id()), 10_000, 0.03);
    assertShare(0.5, counts.get(endpoint(3).id()), 10_000, 0.03);
  }

  @ParameterizedTest
  @ValueSource(strings = {"1,9", "1,2,3", "5,1,1,1,1,1", "3,1,2,1,3,1,2,1,3,1,2,1,3,1,2,1"})
  void leastConnection_oneCallAtATime_sharesFollowTheWeights(String weightList) {
    int[] weights = parseWeights(weightList);
    assertShares(Pickers.leastConnection(new Random(12)), weights, 10_000, 0.03);
  }

  @ParameterizedTest
  @ValueSource(ints = {LeastLoadPickerFactory.EXACT_SCAN_LIMIT + 1, 40})
  void leastConnection_aboveTheScanLimit_oneCallAtATime_sharesFollowTheWeights(int n) {
    int[] weights = new int[n];
    for (int i = 0; i < n; i++) {
      weights[i] = i % 2 == 0 ? 1 : 4;
    }
    assertShares(Pickers.leastConnection(new Random(13)), weights, 10_000, 0.03);
  }

  @Test
  void leastConnection_aboveTheScanLimit_heldCallsFollowTheWeights() {
    List<Endpoint> endpoints = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      endpoints.add(endpoint(i).withWeight(i % 2 == 0 ? 1 : 4));
    }
    Balancer balancer =
        Balancers.builder()
            .picker(Pickers.leastConnection(new Random(14)))
            .endpoints(endpoints)
            .build();
    for (int i = 0; i < 1_000; i++) {
      balancer.acquire(); // held: 1000 * 1/50 = 20 on a weight of 1, 80 on a weight of 4
    }
    for (EndpointState state : balancer.snapshot().endpoints()) {
      int expected = 20 * state.endpoint().weight();
      assertTrue(Math.abs(state.inFlight() - expected) <= expected / 5 + 2, state.toString());
    }
  }

  @Test
  void leastConnection_drawsOncePerPick_withOrWithoutATie() {
    CountingRandom random = new CountingRandom(15);
    List<Candidate> candidates = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      candidates.add(fixed(endpoint(i), i == 3 ? 1 : 2, 0));
    }
    Picker unique = Pickers.leastConnection(random).newPicker(candidates, null);
    for (int i = 0; i < 100; i++) {
      assertEquals(candidates.get(3), unique.pick(null));
    }
    assertEquals(100, random.draws);
    candidates.set(7, fixed(endpoint(7), 1, 0));
    Picker tied = Pickers.leastConnection(random).newPicker(candidates, null);
    int third = 0;
    for (int i = 0; i < 1_000; i++) {
      third += tied.pick(null) == candidates.get(3) ? 1 : 0;
    }
    assertEquals(1_100, random.draws);
    assertShare(0.5, third, 1_000, 0.05);
  }

  @Test
  void leastConnection_idleProbe_keepsTiesAmongIdleEndpointsByWeight() {
    // Two idle endpoints among busy ones, weights 1 and 3: the probe takes an idle one when it
    // draws one, the scan otherwise; together 1:3 between the idle two, nothing to the busy.
    List<Candidate> candidates = new ArrayList<>();
    int[] weights = {2, 1, 5, 3, 2};
    int[] inFlight = {1, 0, 2, 0, 4};
    for (int i = 0; i < weights.length; i++) {
      candidates.add(fixed(endpoint(i).withWeight(weights[i]), inFlight[i], 0));
    }
    Picker picker = Pickers.leastConnection(new Random(25)).newPicker(candidates, null);
    int[] counts = new int[weights.length];
    for (int i = 0; i < 20_000; i++) {
      counts[candidates.indexOf(picker.pick(null))]++;
    }
    assertEquals(0, counts[0] + counts[2] + counts[4], Arrays.toString(counts));
    assertShare(0.25, counts[1], 20_000, 0.01);
  }

  // ---- peak-EWMA

  @Test
  void peakEwma_fastFailingEndpoint_doesNotDrawTheTraffic() {
    // Endpoint 0 succeeds in 10 ms, endpoint 1 fails in 1 ms. Charged as a 1 ms call, the failing
    // one looked ten times faster and took 99.9% of the calls.
    AtomicLong now = new AtomicLong();
    Balancer balancer =
        Balancers.builder()
            .picker(Pickers.peakEwma(new Random(16)))
            .ticker(now::get)
            .endpoints(endpoint(0), endpoint(1))
            .build();
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 1_000; i++) {
      try (Lease lease = balancer.acquire()) {
        if (lease.endpoint().equals(endpoint(0))) {
          now.addAndGet(10_000_000);
          lease.success();
        } else {
          now.addAndGet(1_000_000);
          lease.failure();
        }
        counts.merge(lease.endpoint().id(), 1, Integer::sum);
      }
    }
    int failing = counts.getOrDefault(endpoint(1).id(), 0);
    // Each failure costs the 1 s penalty, which takes tens of seconds to decay below 10 ms.
    assertTrue(failing <= 10, "calls to the failing endpoint: " + counts);
  }

  @Test
  void peakEwma_oneFastFailingAmongTen_getsLessThanItsShare() {
    AtomicLong now = new AtomicLong();
    Balancer balancer =
        Balancers.builder()
            .picker(Pickers.peakEwma(new Random(17)))
            .ticker(now::get)
            .endpoints(Fixtures.endpoints(10))
            .build();
    int failing = 0;
    for (int i = 0; i < 10_000; i++) {
      try (Lease lease = balancer.acquire()) {
        if (lease.endpoint().equals(endpoint(0))) {
          now.addAndGet(1_000_000);
          lease.failure();
          failing++;
        } else {
          now.addAndGet(10_000_000);
          lease.success();
        }
      }
    }
    assertTrue(failing <= 100, "calls to the failing endpoint: " + failing + " of 10000");
  }

  @ParameterizedTest
  @CsvSource({"1000000, 0", "1000000, 250000", "1000000, 500000", "1000, 500", "1000, 100"})
  void peakEwma_identicalEndpoints_oneCallAtATime_doNotHerd(int meanNanos, int jitterNanos) {
    // Every call takes the mean +- a uniform jitter on any endpoint. Each average holds its own
    // recent peak, so they differ by noise. With calls short against the decay (1 us against 10 s)
    // an exact scan over them gave one of the ten up to 1.8 times its share, and a strict
    // comparison of two samples up to 1.34 times.
    AtomicLong now = new AtomicLong();
    Balancer balancer =
        Balancers.builder()
            .picker(Pickers.peakEwma(new Random(18)))
            .ticker(now::get)
            .endpoints(Fixtures.endpoints(10))
            .build();
    Random latency = new Random(19);
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 100_000; i++) {
      try (Lease lease = balancer.acquire()) {
        int jitter = jitterNanos == 0 ? 0 : latency.nextInt(2 * jitterNanos + 1) - jitterNanos;
        now.addAndGet(meanNanos + jitter);
        lease.success();
        counts.merge(lease.endpoint().id(), 1, Integer::sum);
      }
    }
    double maxOverMean = Fixtures.maxOverMean(counts, 10);
    assertTrue(maxOverMean <= 1.1, "max/mean " + maxOverMean + ": " + counts);
  }

  @Test
  void peakEwma_oneCallAtATime_aClearlySlowerEndpointGetsFewCalls() {
    AtomicLong now = new AtomicLong();
    Balancer balancer =
        Balancers.builder()
            .picker(Pickers.peakEwma(new Random(23)))
            .ticker(now::get)
            .endpoints(endpoint(0), endpoint(1))
            .build();
    int slow = 0;
    for (int i = 0; i < 1_000; i++) {
      try (Lease lease = balancer.acquire()) {
        boolean isSlow = lease.endpoint().equals(endpoint(1));
        now.addAndGet(isSlow ? 30_000_000 : 10_000_000);
        lease.success();
        slow += isSlow ? 1 : 0;
      }
    }
    // 30 ms decays to within the tolerance of 10 ms in about 9 s, 900 fast calls.
    assertTrue(slow <= 5, "calls to the slow endpoint: " + slow);
  }

  @Test
  void peakEwma_heldCalls_alikeLatencies_spreadByInFlight() {
    AtomicLong now = new AtomicLong();
    Balancer balancer =
        Balancers.builder()
            .picker(Pickers.peakEwma(new Random(24)))
            .ticker(now::get)
            .endpoints(Fixtures.endpoints(4))
            .build();
    for (int i = 0; i < 400; i++) {
      try (Lease lease = balancer.acquire()) {
        now.addAndGet(1_000_000 + 10_000 * (i % 7)); // 1.00 to 1.06 ms: alike
        lease.success();
      }
    }
    for (int i = 0; i < 200; i++) {
      balancer.acquire();
    }
    for (EndpointState state : balancer.snapshot().endpoints()) {
      assertTrue(Math.abs(state.inFlight() - 50) <= 6, state.toString());
    }
  }

  @Test
  void peakEwma_picksWithoutAClockRead_andALeaseReadsItOnceAtEachEnd() {
    AtomicLong now = new AtomicLong();
    AtomicLong reads = new AtomicLong();
    Balancer balancer =
        Balancers.builder()
            .picker(Pickers.peakEwma(new Random(20)))
            .ticker(
                () -> {
                  reads.incrementAndGet();
                  return now.get();
                })
            .endpoints(Fixtures.endpoints(10))
            .build();
    for (int i = 0; i < 100; i++) {
      try (Lease lease = balancer.acquire()) {
        now.addAndGet(1_000_000);
        lease.success();
      }
    }
    reads.set(0);
    for (int i = 0; i < 1_000; i++) {
      balancer.choose();
    }
    assertEquals(0, reads.get(), "clock reads for 1000 picks: they decay with the recent time");
    reads.set(0);
    for (int i = 0; i < 1_000; i++) {
      try (Lease lease = balancer.acquire()) {
        lease.success();
      }
    }
    // One call in eight per endpoint is timed (the default sampling): one read when it starts and
    // one when it ends; the pick reuses the balancer's recent time. Each of the ten endpoints'
    // counts rounds up at most once.
    long timed = reads.get() / 2;
    assertEquals(0, reads.get() % 2);
    assertTrue(timed >= 125 && timed <= 135, "timed calls out of 1000: " + timed);
  }

  @Test
  void latencySamplingOne_timesEveryCall() {
    AtomicLong reads = new AtomicLong();
    Balancer balancer =
        Balancers.builder()
            .picker(Pickers.peakEwma(new Random(21)))
            .latencySampling(1)
            .ticker(reads::incrementAndGet)
            .endpoints(Fixtures.endpoints(10))
            .build();
    reads.set(0);
    for (int i = 0; i < 1_000; i++) {
      try (Lease lease = balancer.acquire()) {
        lease.success();
      }
    }
    assertEquals(2_000, reads.get(), "clock reads for 1000 calls, each timed");
    assertEquals(
        "latencySampling: 3 (expected: a power of two in [1, 1024])",
        assertThrows(IllegalArgumentException.class, () -> Balancers.builder().latencySampling(3))
            .getMessage());
  }

  @Test
  void peakEwma_noSamplesYet_idleTiesFollowTheWeights() {
    AtomicLong now = new AtomicLong();
    Balancer balancer =
        Balancers.builder()
            .picker(Pickers.peakEwma(new Random(21)))
            .ticker(now::get)
            .endpoints(endpoint(0).withWeight(1), endpoint(1).withWeight(9))
            .build();
    Map<String, Integer> counts = Fixtures.count(balancer, 10_000);
    assertShare(0.1, counts.get(endpoint(0).id()), 10_000, 0.03);
  }

  // ---- retries

  @Test
  void leastConnection_retry_idleTiesSplitEvenlyOverTheAllowed() {
    // The balancer's fallback for a pick that lands on an excluded endpoint scans from a random
    // start and keeps the first lightest: endpoint 1, right after the excluded 0, got 3/8.
    Balancer balancer = Fixtures.balancer(Pickers.leastConnection(new Random(26)), 4);
    Set<String> exclude = Set.of(endpoint(0).id());
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 9_000; i++) {
      try (Lease lease = balancer.acquire(null, exclude)) {
        lease.success();
        counts.merge(lease.endpoint().id(), 1, Integer::sum);
      }
    }
    assertEquals(3, counts.size(), counts::toString);
    for (int i = 1; i < 4; i++) {
      assertShare(1 / 3.0, counts.get(endpoint(i).id()), 9_000, 0.03);
    }
  }

  @Test
  void leastConnection_retry_idleTiesFollowTheWeightsOfTheAllowed() {
    Balancer balancer =
        Balancers.builder()
            .picker(Pickers.leastConnection(new Random(27)))
            .endpoints(
                endpoint(0).withWeight(1),
                endpoint(1).withWeight(1),
                endpoint(2).withWeight(2),
                endpoint(3).withWeight(6))
            .build();
    Set<String> exclude = Set.of(endpoint(3).id());
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 10_000; i++) {
      try (Lease lease = balancer.acquire(null, exclude)) {
        lease.success();
        counts.merge(lease.endpoint().id(), 1, Integer::sum);
      }
    }
    assertShare(0.25, counts.get(endpoint(0).id()), 10_000, 0.03);
    assertShare(0.25, counts.get(endpoint(1).id()), 10_000, 0.03);
    assertShare(0.5, counts.get(endpoint(2).id()), 10_000, 0.03);
  }

  @Test
  void peakEwma_retry_avoidsTheSlowEndpoint() {
    AtomicLong now = new AtomicLong();
    Balancer balancer =
        Balancers.builder()
            .picker(Pickers.peakEwma(new Random(28)))
            .ticker(now::get)
            .endpoints(Fixtures.endpoints(3))
            .build();
    DefaultBalancer internals = (DefaultBalancer) balancer;
    long[] latency = {5_000_000, 100_000_000, 10_000_000}; // 0 fastest, 1 slow, 2 fast
    for (int round = 0; round < 5; round++) {
      now.addAndGet(1_000_000);
      for (int i = 0; i < 3; i++) {
        internals.slot(endpoint(i).id()).recordSuccess(now.get() - latency[i]);
      }
    }
    Set<String> exclude = Set.of(endpoint(0).id()); // a retry after the fastest failed
    for (int i = 0; i < 100; i++) {
      try (Lease lease = balancer.acquire(null, exclude)) {
        assertEquals(endpoint(2), lease.endpoint());
      }
    }
  }

  // ---- the alias table

  @Test
  void alias_samplesInProportionToWeight() {
    double[] weights = {1, 2, 3, 4, 0.5, 9.5};
    LeastLoadPickerFactory.Alias alias = LeastLoadPickerFactory.Alias.of(weights);
    int[] counts = new int[weights.length];
    Random random = new Random(22);
    int samples = 1_000_000;
    for (int i = 0; i < samples; i++) {
      counts[alias.sample(random.nextInt() & 0xFFFF_FFFFL)]++;
    }
    for (int i = 0; i < weights.length; i++) {
      assertShare(weights[i] / 20, counts[i], samples, 0.002);
    }
  }

  @Test
  void kthSetBit_findsEveryTieOfEverySixteenBitMask() {
    for (int mask = 1; mask < 1 << 16; mask++) {
      int rest = mask;
      for (int k = 0; rest != 0; k++) {
        assertEquals(
            Integer.numberOfTrailingZeros(rest), LeastLoadPickerFactory.kthSetBit(mask, k));
        rest &= rest - 1;
      }
    }
  }

  @Test
  void other_isUniformOverTheOtherIndices() {
    int n = 7;
    for (int first = 0; first < n; first++) {
      int[] counts = new int[n];
      for (long bits = 0; bits < 1L << 32; bits += 1L << 20) {
        counts[LeastLoadPickerFactory.other(bits, n, first)]++;
      }
      assertEquals(0, counts[first]);
      for (int j = 0; j < n; j++) {
        if (j != first) {
          assertEquals(4096 / 6.0, counts[j], 1.0, first + ": " + Arrays.toString(counts));
        }
      }
    }
  }

  private static int[] parseWeights(String list) {
    String[] parts = list.split(",");
    int[] weights = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      weights[i] = Integer.parseInt(parts[i].trim());
    }
    return weights;
  }

  /** Sequential calls (acquire, success, close) on endpoints weighted {@code weights}. */
  private static void assertShares(
      PickerFactory picker, int[] weights, int calls, double tolerance) {
    List<Endpoint> endpoints = new ArrayList<>();
    int total = 0;
    for (int i = 0; i < weights.length; i++) {
      endpoints.add(endpoint(i).withWeight(weights[i]));
      total += weights[i];
    }
    Balancer balancer = Balancers.builder().picker(picker).endpoints(endpoints).build();
    Map<String, Integer> counts = sequentialCalls(balancer, calls);
    for (int i = 0; i < weights.length; i++) {
      assertShare(
          (double) weights[i] / total, counts.getOrDefault(endpoint(i).id(), 0), calls, tolerance);
    }
  }

  private static Map<String, Integer> sequentialCalls(Balancer balancer, int calls) {
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < calls; i++) {
      try (Lease lease = balancer.acquire()) {
        lease.success();
        counts.merge(lease.endpoint().id(), 1, Integer::sum);
      }
    }
    return counts;
  }

  private static void assertShare(double expected, Integer count, int total, double tolerance) {
    double share = (count == null ? 0 : count) / (double) total;
    assertTrue(
        Math.abs(share - expected) <= tolerance,
        "share " + share + " (expected: " + expected + " +- " + tolerance + ")");
  }

  /** A seeded random that counts its draws. */
  private static final class CountingRandom extends Random {
    int draws;

    CountingRandom(long seed) {
      super(seed);
    }

    @Override
    public int nextInt(int bound) {
      draws++;
      return super.nextInt(bound);
    }

    @Override
    public long nextLong() {
      draws++;
      return super.nextLong();
    }

    @Override
    public double nextDouble() {
      draws++;
      return super.nextDouble();
    }
  }

  private static Candidate fixed(Endpoint endpoint, int inFlight, double latency) {
    return new Candidate() {
      @Override
      public Endpoint endpoint() {
        return endpoint;
      }

      @Override
      public int weight() {
        return endpoint.weight();
      }

      @Override
      public int inFlight() {
        return inFlight;
      }

      @Override
      public double effectiveWeight() {
        return endpoint.weight();
      }

      @Override
      public double latencyEwmaNanos(long now) {
        return latency;
      }

      @Override
      public boolean tryReserve(int limit) {
        throw new UnsupportedOperationException();
      }
    };
  }
}
