package io.github.lb4j.core;

import static io.github.lb4j.core.Fixtures.endpoint;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lb4j.Balancer;
import io.github.lb4j.Candidate;
import io.github.lb4j.Endpoint;
import io.github.lb4j.Lease;
import io.github.lb4j.Picker;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

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

  @Test
  void peakEwma_readsTheClockOncePerPick() {
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
    assertEquals(1_000, reads.get(), "clock reads for 1000 picks");
    reads.set(0);
    for (int i = 0; i < 1_000; i++) {
      try (Lease lease = balancer.acquire()) {
        lease.success();
      }
    }
    // One for the pick, one when the call starts and one when it ends.
    assertEquals(3_000, reads.get(), "clock reads for 1000 timed calls");
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
