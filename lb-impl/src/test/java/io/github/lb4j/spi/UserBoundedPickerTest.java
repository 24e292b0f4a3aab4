package io.github.lb4j.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lb4j.Balancer;
import io.github.lb4j.Candidate;
import io.github.lb4j.Endpoint;
import io.github.lb4j.EndpointState;
import io.github.lb4j.Lease;
import io.github.lb4j.NoAvailableEndpointException;
import io.github.lb4j.Picker;
import io.github.lb4j.PickerContext;
import io.github.lb4j.PickerFactory;
import io.github.lb4j.ReservingPicker;
import io.github.lb4j.core.Balancers;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The picker SPI is first class: a bounded-load picker written outside lb-impl, with public API
 * only, does what the built-in one does (reserve under a bound, pick excluding ids, read the
 * balancer-wide load).
 */
final class UserBoundedPickerTest {

  /**
   * "Key modulo n, but never more than {@code ceil(factor * (total + 1) / n)} calls on one
   * endpoint": a minimal bounded-load strategy, as a user would write it.
   */
  static final class ModuloBounded implements PickerFactory {
    private final double factor;

    ModuloBounded(double factor) {
      this.factor = factor;
    }

    @Override
    public String name() {
      return "modulo-bounded";
    }

    @Override
    public boolean usesTotalInFlight() {
      return true;
    }

    @Override
    public Picker newPicker(List<Candidate> candidates, PickerContext context) {
      Candidate[] array = candidates.toArray(new Candidate[0]);
      return new ReservingPicker() {
        @Override
        public Candidate pick(String key) {
          return array[home(key)];
        }

        @Override
        public Candidate reserve(String key, Set<String> exclude) {
          // Racing callers may fill every endpoint up to a cap computed from a total read a moment
          // earlier: re-read it and walk again a few times before giving up.
          for (int turn = 0; turn < 8; turn++) {
            int cap = (int) Math.ceil(factor * (context.totalInFlight() + 1) / array.length);
            for (int step = 0, i = home(key); step < array.length; step++) {
              Candidate c = array[i];
              if (!exclude.contains(c.endpoint().id()) && c.tryReserve(cap)) {
                return c;
              }
              i = (i + 1) % array.length;
            }
          }
          return null;
        }

        private int home(String key) {
          return key == null ? 0 : Math.floorMod(key.hashCode(), array.length);
        }
      };
    }
  }

  private static List<Endpoint> endpoints(int n) {
    List<Endpoint> list = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      list.add(Endpoint.of("http://10.1.0." + i + ":80"));
    }
    return list;
  }

  @Test
  void reservesUnderTheBound_spillsOver_andReleasesOnClose() {
    Balancer balancer =
        Balancers.builder().picker(new ModuloBounded(1.0)).endpoints(endpoints(4)).build();
    List<Lease> held = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      held.add(balancer.acquire("same-key")); // one key, but the bound spreads it
    }
    for (EndpointState s : balancer.snapshot().endpoints()) {
      assertEquals(2, s.inFlight(), s.toString());
    }
    assertEquals(8, balancer.snapshot().totalInFlight());
    held.forEach(Lease::close);
    assertEquals(0, balancer.snapshot().totalInFlight());
    // Below the bound the key's home wins, as with plain hashing.
    try (Lease lease = balancer.acquire("same-key")) {
      assertEquals(balancer.choose("same-key"), lease.endpoint());
    }
  }

  @Test
  void excludes_andNeverOvershootsUnderConcurrency() throws Exception {
    Balancer balancer =
        Balancers.builder().picker(new ModuloBounded(1.0)).endpoints(endpoints(3)).build();
    Endpoint home = balancer.choose("k");
    try (Lease lease = balancer.acquire("k", Set.of(home.id()))) {
      assertNotEquals(home, lease.endpoint());
    }
    Set<String> all =
        Set.of(endpoints(3).get(0).id(), endpoints(3).get(1).id(), endpoints(3).get(2).id());
    assertThrows(NoAvailableEndpointException.class, () -> balancer.acquire("k", all));

    int threads = 4;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    AtomicInteger maxSeen = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      done.add(
          pool.submit(
              () -> {
                start.await();
                for (int i = 0; i < 20_000; i++) {
                  try (Lease lease = balancer.acquire("k")) {
                    // One endpoint's count is one atomic word: it never passes the cap, which
                    // with four callers is at most ceil((3 + 1 + 1) / 3) = 2 (the total may be
                    // over-estimated by a racing reservation, never under-estimated).
                    int onIt =
                        balancer
                            .snapshot()
                            .endpoint(lease.endpoint().id())
                            .orElseThrow()
                            .inFlight();
                    maxSeen.accumulateAndGet(onIt, Math::max);
                    lease.success();
                  }
                }
                return null;
              }));
    }
    start.countDown();
    for (Future<?> f : done) {
      f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertTrue(maxSeen.get() <= 2, "most calls seen on one endpoint: " + maxSeen.get());
    for (EndpointState s : balancer.snapshot().endpoints()) {
      assertEquals(0, s.inFlight());
    }
  }

  @Test
  void totalInFlight_unrequested_failsWithAClearMessage() {
    PickerFactory careless =
        new PickerFactory() {
          @Override
          public String name() {
            return "careless";
          }

          @Override
          public Picker newPicker(List<Candidate> candidates, PickerContext context) {
            return key -> candidates.get(context.totalInFlight() % candidates.size());
          }
        };
    Balancer balancer = Balancers.builder().picker(careless).endpoints(endpoints(2)).build();
    assertEquals(
        "picker 'careless' read totalInFlight() but its factory's usesTotalInFlight() is false",
        assertThrows(IllegalStateException.class, balancer::choose).getMessage());
  }
}
