package io.github.lb4j.core;

import static io.github.lb4j.core.Fixtures.endpoint;
import static io.github.lb4j.core.Fixtures.endpoints;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lb4j.Balancer;
import io.github.lb4j.BalancerListener;
import io.github.lb4j.Candidate;
import io.github.lb4j.Endpoint;
import io.github.lb4j.EndpointState;
import io.github.lb4j.HealthState;
import io.github.lb4j.Lease;
import io.github.lb4j.NoAvailableEndpointException;
import io.github.lb4j.Picker;
import io.github.lb4j.PickerContext;
import io.github.lb4j.PickerFactory;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

final class DefaultBalancerTest {

  @Test
  void choose_noEndpoints_namesBalancerAndReason() {
    Balancer balancer = Balancers.builder().name("tiles").build();
    NoAvailableEndpointException e =
        assertThrows(NoAvailableEndpointException.class, balancer::choose);
    assertEquals("balancer 'tiles': no endpoint available: no endpoints", e.getMessage());
    assertThrows(NoAvailableEndpointException.class, () -> balancer.acquire("k"));
  }

  @Test
  void choose_allUnhealthy_saysSo() {
    DefaultBalancer balancer =
        Balancers.builder().name("tiles").endpoints(endpoints(3)).buildDefault();
    for (Endpoint e : endpoints(3)) {
      balancer.setHealth(e.id(), HealthState.UNHEALTHY, "test");
    }
    assertEquals(
        "balancer 'tiles': no endpoint available: all 3 endpoints unhealthy",
        assertThrows(NoAvailableEndpointException.class, balancer::choose).getMessage());
    balancer.setHealth(endpoint(1).id(), HealthState.EJECTED, "test");
    assertEquals(
        "balancer 'tiles': no endpoint available: all 3 endpoints unhealthy or ejected"
            + " (2 unhealthy, 1 ejected)",
        assertThrows(NoAvailableEndpointException.class, balancer::choose).getMessage());
  }

  @Test
  void choose_someUnhealthy_neverChoosesThem() {
    DefaultBalancer balancer =
        Balancers.builder().picker(Pickers.roundRobin()).endpoints(endpoints(3)).buildDefault();
    balancer.setHealth(endpoint(1).id(), HealthState.UNHEALTHY, "test");
    Map<String, Integer> counts = Fixtures.count(balancer, 100);
    assertEquals(Map.of(endpoint(0).id(), 50, endpoint(2).id(), 50), counts);
    balancer.setHealth(endpoint(1).id(), HealthState.HEALTHY, "test");
    assertEquals(3, Fixtures.count(balancer, 3).size());
  }

  @Test
  void panicThreshold_belowShare_spreadsOverAllEndpoints() {
    DefaultBalancer balancer =
        Balancers.builder().panicThreshold(0.5).endpoints(endpoints(4)).buildDefault();
    balancer.setHealth(endpoint(0).id(), HealthState.UNHEALTHY, "test");
    balancer.setHealth(endpoint(1).id(), HealthState.UNHEALTHY, "test");
    assertFalse(balancer.inPanic(), "2 of 4 healthy is not below 50%");
    assertEquals(2, Fixtures.count(balancer, 100).size());
    balancer.setHealth(endpoint(2).id(), HealthState.UNHEALTHY, "test");
    assertTrue(balancer.inPanic());
    assertEquals(4, Fixtures.count(balancer, 100).size());
    balancer.setHealth(endpoint(3).id(), HealthState.UNHEALTHY, "test");
    assertEquals(4, Fixtures.count(balancer, 100).size(), "panic serves even when none is healthy");
  }

  @Test
  void add_duplicateId_rejectedAndNothingChanges() {
    Balancer balancer = Fixtures.balancer(Pickers.roundRobin(), 2);
    Endpoint twin = new Endpoint(endpoint(0).id(), URI.create("http://other:1"), 3, Map.of());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> balancer.add(twin));
    assertEquals(
        "endpoint: http://10.0.0.0:8080(http://other:1, weight=3) (expected: an id that is not a"
            + " member yet; use setEndpoints to replace)",
        e.getMessage());
    assertEquals(endpoints(2), balancer.endpoints());
    assertEquals(URI.create("http://10.0.0.0:8080"), balancer.endpoints().get(0).address());
  }

  @Test
  void setEndpoints_duplicateIds_rejectedAndNothingChanges() {
    Balancer balancer = Fixtures.balancer(Pickers.roundRobin(), 2);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> balancer.setEndpoints(List.of(endpoint(5), endpoint(5))));
    assertEquals(
        "endpoints: duplicate id 'http://10.0.0.5:8080' (expected: unique ids)", e.getMessage());
    assertEquals(endpoints(2), balancer.endpoints());
    List<Endpoint> withNull = new ArrayList<>();
    withNull.add(null);
    assertEquals(
        "endpoints: contains null",
        assertThrows(NullPointerException.class, () -> balancer.setEndpoints(withNull))
            .getMessage());
  }

  @Test
  void setEndpoints_keepsStateOfEndpointsThatStay() {
    Balancer balancer = Fixtures.balancer(Pickers.leastConnection(), 3);
    Lease held = balancer.acquire();
    try (Lease done = balancer.acquire()) {
      done.success();
    }
    Endpoint stays = held.endpoint();
    balancer.setEndpoints(List.of(stays.withWeight(4), endpoint(7)));
    EndpointState state = balancer.snapshot().endpoint(stays.id()).orElseThrow();
    assertEquals(1, state.inFlight());
    assertEquals(4, state.endpoint().weight(), "new attributes taken");
    assertEquals(
        List.of(stays.id(), endpoint(7).id()),
        balancer.endpoints().stream().map(Endpoint::id).toList());
    held.close();
    assertEquals(0, balancer.snapshot().totalInFlight());
  }

  @Test
  void setEndpoints_sameMembers_doesNotRebuild() {
    java.util.concurrent.atomic.AtomicInteger builds =
        new java.util.concurrent.atomic.AtomicInteger();
    PickerFactory counting =
        new PickerFactory() {
          @Override
          public String name() {
            return "counting";
          }

          @Override
          public Picker newPicker(List<Candidate> candidates, PickerContext context) {
            builds.incrementAndGet();
            Candidate first = candidates.get(0);
            return key -> first;
          }
        };
    Balancer balancer = Balancers.builder().picker(counting).endpoints(endpoints(3)).build();
    int before = builds.get();
    balancer.setEndpoints(endpoints(3));
    assertEquals(before, builds.get());
    balancer.setEndpoints(List.of(endpoint(2), endpoint(1), endpoint(0)));
    assertEquals(before + 1, builds.get(), "a new order is a change");
  }

  @Test
  void membershipChange_pickerBuildFails_nothingHalfUpdated() {
    PickerFactory fragile =
        new PickerFactory() {
          @Override
          public String name() {
            return "fragile";
          }

          @Override
          public Picker newPicker(List<Candidate> candidates, PickerContext context) {
            for (Candidate c : candidates) {
              if (c.weight() > 5) {
                throw new IllegalArgumentException("weight too large for fragile");
              }
            }
            Candidate first = candidates.get(0);
            return key -> first;
          }
        };
    Balancer balancer = Balancers.builder().picker(fragile).endpoints(endpoints(2)).build();
    List<Endpoint> attempt = List.of(endpoint(0).withWeight(9), endpoint(3));
    assertThrows(IllegalArgumentException.class, () -> balancer.setEndpoints(attempt));
    assertEquals(endpoints(2), balancer.endpoints());
    assertEquals(1, balancer.endpoints().get(0).weight(), "weight rolled back");
    assertEquals(endpoint(0), balancer.choose());
  }

  @Test
  void remove_thenNeverChosenAndReportsWhetherItWasAMember() {
    Balancer balancer = Fixtures.balancer(Pickers.roundRobin(), 3);
    assertTrue(balancer.remove(endpoint(1).id()));
    assertFalse(balancer.remove(endpoint(1).id()));
    for (int i = 0; i < 50; i++) {
      assertFalse(balancer.choose().equals(endpoint(1)));
    }
  }

  @Test
  void lease_reportsOnceAndReleasesOnce() {
    AtomicLong now = new AtomicLong();
    Balancer balancer =
        Balancers.builder()
            .ticker(now::get)
            .endpoints(endpoint(0))
            .picker(Pickers.leastConnection())
            .timeCalls(true)
            .failurePenalty(java.time.Duration.ZERO)
            .build();
    Lease lease = balancer.acquire();
    assertEquals(1, balancer.snapshot().totalInFlight());
    now.addAndGet(2_000_000);
    lease.failure(new java.io.IOException("boom"));
    lease.success(); // ignored: the first report wins
    lease.close();
    lease.close(); // idempotent
    EndpointState state = balancer.snapshot().endpoints().get(0);
    assertEquals(0, state.inFlight());
    assertEquals(1, state.failures());
    assertEquals(0, state.successes());
    assertEquals(2_000_000, state.latencyEwmaNanos(), 1);
  }

  @Test
  void lease_closedWithoutReport_countsNeither() {
    Balancer balancer = Fixtures.balancer(Pickers.leastConnection(), 1);
    balancer.acquire().close();
    EndpointState state = balancer.snapshot().endpoints().get(0);
    assertEquals(0, state.completed());
    assertEquals(0, state.inFlight());
  }

  @Test
  void listeners_hearChangesInOrder_andAThrowingOneChangesNothing() {
    List<String> events = new ArrayList<>();
    BalancerListener recording =
        new BalancerListener() {
          @Override
          public void onEndpointAdded(Balancer b, Endpoint e) {
            events.add("+" + e.address().getHost());
          }

          @Override
          public void onEndpointRemoved(Balancer b, Endpoint e) {
            events.add("-" + e.address().getHost());
          }

          @Override
          public void onHealthChanged(
              Balancer b, Endpoint e, HealthState from, HealthState to, String reason) {
            events.add(e.address().getHost() + ":" + from + "->" + to + ":" + reason);
          }
        };
    BalancerListener throwing =
        new BalancerListener() {
          @Override
          public void onEndpointAdded(Balancer b, Endpoint e) {
            throw new IllegalStateException("listener bug");
          }
        };
    DefaultBalancer balancer =
        Balancers.builder().listener(throwing).listener(recording).buildDefault();
    balancer.add(Endpoint.of("http://a:1"));
    balancer.add(Endpoint.of("http://b:1"));
    balancer.setHealth("http://a:1", HealthState.UNHEALTHY, "probe failed");
    balancer.setHealth("http://a:1", HealthState.UNHEALTHY, "again"); // no change, no event
    balancer.remove("http://b:1");
    assertEquals(List.of("+a", "+b", "a:HEALTHY->UNHEALTHY:probe failed", "-b"), events);
    assertEquals(1, balancer.endpoints().size());
    assertTrue(balancer.removeListener(recording));
    balancer.add(Endpoint.of("http://c:1"));
    assertEquals(4, events.size());
  }

  @Test
  void close_toldToListenersOnceAndVisibleInIsClosed() {
    List<String> events = new ArrayList<>();
    Balancer balancer = Fixtures.balancer(Pickers.roundRobin(), 2);
    balancer.addListener(
        new BalancerListener() {
          @Override
          public void onClosed(Balancer b) {
            events.add("closed " + b.name() + " " + b.isClosed());
          }
        });
    assertFalse(balancer.isClosed());
    balancer.close();
    balancer.close();
    assertTrue(balancer.isClosed());
    assertEquals(List.of("closed test true"), events);
  }

  @Test
  void close_thenEverythingThrowsIllegalState() {
    Balancer balancer = Fixtures.balancer(Pickers.roundRobin(), 2);
    balancer.close();
    balancer.close();
    assertEquals(
        "balancer 'test' is closed",
        assertThrows(IllegalStateException.class, balancer::choose).getMessage());
    assertThrows(IllegalStateException.class, () -> balancer.acquire("k"));
    assertThrows(IllegalStateException.class, () -> balancer.add(endpoint(9)));
    assertThrows(IllegalStateException.class, () -> balancer.remove(endpoint(0).id()));
  }

  @Test
  void customPicker_returningForeignCandidate_failsClearly() {
    Endpoint strangerEndpoint = endpoint(9);
    Balancer balancer =
        Balancers.builder()
            .picker(
                new PickerFactory() {
                  @Override
                  public String name() {
                    return "liar";
                  }

                  @Override
                  public Picker newPicker(List<Candidate> candidates, PickerContext context) {
                    Candidate foreign =
                        new Candidate() {
                          @Override
                          public Endpoint endpoint() {
                            return strangerEndpoint;
                          }

                          @Override
                          public int weight() {
                            return 1;
                          }

                          @Override
                          public double effectiveWeight() {
                            return 1;
                          }

                          @Override
                          public int inFlight() {
                            return 0;
                          }

                          @Override
                          public double latencyEwmaNanos(long now) {
                            return 0;
                          }

                          @Override
                          public boolean tryReserve(int limit) {
                            return true;
                          }

                          @Override
                          public String toString() {
                            return "stranger";
                          }
                        };
                    return key -> foreign;
                  }
                })
            .endpoints(endpoints(1))
            .build();
    assertEquals(
        "picker 'liar' returned stranger, which is not one of the candidates it was built with",
        assertThrows(IllegalStateException.class, balancer::acquire).getMessage());
  }

  @Test
  void builder_badArguments_namedInMessages() {
    BalancerBuilder builder = Balancers.builder();
    assertEquals(
        "name: ' ' (expected: not blank)",
        assertThrows(IllegalArgumentException.class, () -> builder.name(" ")).getMessage());
    assertEquals(
        "panicThreshold: 1.5 (expected: in [0, 1])",
        assertThrows(IllegalArgumentException.class, () -> builder.panicThreshold(1.5))
            .getMessage());
    assertEquals(
        "panicThreshold: NaN (expected: in [0, 1])",
        assertThrows(IllegalArgumentException.class, () -> builder.panicThreshold(Double.NaN))
            .getMessage());
    assertEquals(
        "latencyDecay: PT0S (expected: > 0)",
        assertThrows(IllegalArgumentException.class, () -> builder.latencyDecay(Duration.ZERO))
            .getMessage());
    assertEquals(
        "picker",
        assertThrows(NullPointerException.class, () -> builder.picker(null)).getMessage());
    assertEquals(
        "endpoints: duplicate id 'http://a:1' (expected: unique ids)",
        assertThrows(
                IllegalArgumentException.class,
                () -> Balancers.builder().endpoints("http://a:1", "http://a:1").build())
            .getMessage());
  }

  @Test
  void builder_buildTwice_illegalState() {
    BalancerBuilder builder = Balancers.builder().endpoints(endpoints(1));
    Balancer first = builder.build();
    assertEquals(
        "build() was already called on this builder",
        assertThrows(IllegalStateException.class, builder::build).getMessage());
    assertEquals(endpoint(0), first.choose());
  }

  @Test
  void choose_nullKey_rejected() {
    Balancer balancer = Fixtures.balancer(Pickers.consistentHash(), 2);
    assertEquals(
        "key", assertThrows(NullPointerException.class, () -> balancer.choose(null)).getMessage());
  }
}
