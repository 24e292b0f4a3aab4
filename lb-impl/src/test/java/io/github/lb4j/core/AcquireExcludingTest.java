package io.github.lb4j.core;

import static io.github.lb4j.core.Fixtures.endpoint;
import static io.github.lb4j.core.Fixtures.endpoints;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lb4j.Balancer;
import io.github.lb4j.Endpoint;
import io.github.lb4j.Lease;
import io.github.lb4j.NoAvailableEndpointException;
import io.github.lb4j.PickerFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code acquire(key, exclude)}: retries and hedges that must land somewhere else. */
final class AcquireExcludingTest {
  private static final String[] KEYS = Fixtures.uuidKeys(500, 11);

  static List<Supplier<PickerFactory>> pickers() {
    return ConcurrencyStressTest.pickers();
  }

  @ParameterizedTest
  @MethodSource("pickers")
  void acquire_excluded_neverChosenAndCountsInFlight(Supplier<PickerFactory> picker) {
    Balancer balancer = Fixtures.balancer(picker.get(), 4);
    Set<String> exclude = Set.of(endpoint(0).id(), endpoint(2).id());
    List<Lease> held = new ArrayList<>();
    for (String key : KEYS) {
      Lease lease = balancer.acquire(key, exclude);
      assertTrue(!exclude.contains(lease.endpoint().id()), lease.endpoint() + " was excluded");
      held.add(lease);
    }
    assertEquals(KEYS.length, balancer.snapshot().totalInFlight());
    held.forEach(Lease::close);
    assertEquals(0, balancer.snapshot().totalInFlight());
  }

  @ParameterizedTest
  @MethodSource("pickers")
  void acquire_everythingExcluded_saysSo(Supplier<PickerFactory> picker) {
    Balancer balancer =
        Balancers.builder().name("tiles").picker(picker.get()).endpoints(endpoints(2)).build();
    Set<String> all = Set.of(endpoint(0).id(), endpoint(1).id());
    NoAvailableEndpointException e =
        assertThrows(NoAvailableEndpointException.class, () -> balancer.acquire("k", all));
    assertEquals(
        "balancer 'tiles': no endpoint available: all 2 available endpoints excluded or over"
            + " their load bound",
        e.getMessage());
    assertEquals(0, balancer.snapshot().totalInFlight());
  }

  @Test
  void acquire_hashing_fallbackIsWhereTheKeyGoesWithoutTheExcludedAndStable() {
    Balancer balancer = Fixtures.balancer(Pickers.consistentHash(), 5);
    for (String key : KEYS) {
      Endpoint home = balancer.choose(key);
      Endpoint fallback;
      try (Lease lease = balancer.acquire(key, Set.of(home.id()))) {
        fallback = lease.endpoint();
      }
      assertNotEquals(home, fallback);
      try (Lease again = balancer.acquire(key, Set.of(home.id()))) {
        assertEquals(fallback, again.endpoint(), "the same key falls back to the same endpoint");
      }
    }
    // With the home endpoint gone for real, the ring sends the key where its fallback went.
    List<Endpoint> fallbacks = new ArrayList<>();
    Endpoint leaving = endpoint(3);
    for (String key : KEYS) {
      try (Lease lease = balancer.acquire(key, Set.of(leaving.id()))) {
        fallbacks.add(lease.endpoint());
      }
    }
    balancer.remove(leaving.id());
    for (int i = 0; i < KEYS.length; i++) {
      assertEquals(fallbacks.get(i), balancer.choose(KEYS[i]), KEYS[i]);
    }
  }

  @Test
  void acquire_emptyExclude_sameAsAcquire() {
    Balancer balancer = Fixtures.balancer(Pickers.consistentHash(), 5);
    for (String key : KEYS) {
      try (Lease lease = balancer.acquire(key, Set.of())) {
        assertEquals(balancer.choose(key), lease.endpoint());
      }
    }
  }

  @Test
  void acquire_leastConnection_fallbackTakesTheLeastLoadedRemaining() {
    Balancer balancer = Fixtures.balancer(Pickers.leastConnection(), 3);
    Lease busy = balancer.acquire(null, Set.of(endpoint(0).id(), endpoint(2).id()));
    assertEquals(endpoint(1), busy.endpoint());
    // Endpoint 0 excluded; endpoint 1 has a call in flight: endpoint 2 is the one.
    try (Lease lease = balancer.acquire(null, Set.of(endpoint(0).id()))) {
      assertEquals(endpoint(2), lease.endpoint());
    }
    busy.close();
  }

  @Test
  void acquire_nullExclude_rejected() {
    Balancer balancer = Fixtures.balancer(Pickers.roundRobin(), 2);
    assertEquals(
        "exclude",
        assertThrows(NullPointerException.class, () -> balancer.acquire("k", null)).getMessage());
  }

  @Test
  void fallback_forAPickerWithoutExclusions_breaksIdleTiesByWeight() {
    // A picker that always answers the first candidate: every retry that excludes it falls back.
    PickerFactory stubborn =
        new PickerFactory() {
          @Override
          public String name() {
            return "stubborn";
          }

          @Override
          public io.github.lb4j.Picker newPicker(
              List<io.github.lb4j.Candidate> candidates, io.github.lb4j.PickerContext context) {
            io.github.lb4j.Candidate first = candidates.get(0);
            return key -> first;
          }
        };
    Endpoint light = endpoint(1);
    Endpoint heavy = endpoint(2).withWeight(3);
    Balancer balancer =
        Balancers.builder().picker(stubborn).endpoints(endpoint(0), light, heavy).build();
    int toHeavy = 0;
    for (int i = 0; i < 10_000; i++) {
      try (Lease lease = balancer.acquire(null, Set.of(endpoint(0).id()))) {
        toHeavy += lease.endpoint().equals(heavy) ? 1 : 0;
      }
    }
    // Weights 1:3 among idle endpoints: 75% within 3 points (it was 50%: the first of the
    // lightest).
    assertTrue(Math.abs(toHeavy - 7_500) <= 300, "calls to the weight-3 endpoint: " + toHeavy);
  }
}
