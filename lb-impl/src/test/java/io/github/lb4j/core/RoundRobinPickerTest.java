package io.github.lb4j.core;

import static io.github.lb4j.core.Fixtures.count;
import static io.github.lb4j.core.Fixtures.endpoints;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.lb4j.Balancer;
import io.github.lb4j.Endpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class RoundRobinPickerTest {

  @Test
  void choose_equalWeights_cyclesInMembershipOrder() {
    Balancer balancer = Fixtures.balancer(Pickers.roundRobin(), 3);
    List<String> order = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      order.add(balancer.choose().id());
    }
    List<Endpoint> e = endpoints(3);
    assertEquals(
        List.of(
            e.get(0).id(),
            e.get(1).id(),
            e.get(2).id(),
            e.get(0).id(),
            e.get(1).id(),
            e.get(2).id()),
        order);
  }

  @Test
  void schedule_weights511_matchesNginxSmoothSequence() {
    // nginx's ngx_http_upstream_get_peer with weights a=5, b=1, c=1 gives a a b a c a a.
    assertArrayEquals(
        new int[] {0, 0, 1, 0, 2, 0, 0}, RoundRobinPickerFactory.schedule(new int[] {5, 1, 1}));
  }

  @Test
  void choose_weights511_followsNginxSequenceThroughTheBalancer() {
    Endpoint a = Endpoint.of("http://a:1").withWeight(5);
    Endpoint b = Endpoint.of("http://b:1");
    Endpoint c = Endpoint.of("http://c:1");
    Balancer balancer = Balancers.builder().picker(Pickers.roundRobin()).endpoints(a, b, c).build();
    StringBuilder sequence = new StringBuilder();
    for (int i = 0; i < 14; i++) {
      sequence.append(balancer.choose().address().getHost());
    }
    assertEquals("aabacaaaabacaa", sequence.toString());
  }

  @Test
  void choose_weighted_sharesProportionalToWeights() {
    Balancer balancer =
        Balancers.builder()
            .picker(Pickers.roundRobin())
            .endpoints(
                Endpoint.of("http://a:1").withWeight(4),
                Endpoint.of("http://b:1").withWeight(6),
                Endpoint.of("http://c:1").withWeight(2))
            .build();
    Map<String, Integer> counts = count(balancer, 1200);
    assertEquals(Map.of("http://a:1", 400, "http://b:1", 600, "http://c:1", 200), counts);
  }

  @Test
  void choose_afterMembershipChange_continuesRotationInsteadOfRestarting() {
    // grpc-java#4462: restarting at index 0 on each change overloaded the first endpoints.
    Balancer balancer = Fixtures.balancer(Pickers.roundRobin(), 4);
    List<Endpoint> all = endpoints(5);
    balancer.choose(); // position 1
    int[] firstPicks = new int[5];
    for (int change = 0; change < 100; change++) {
      // Churn: alternate between 4 and 5 members, choosing once after each change.
      balancer.setEndpoints(change % 2 == 0 ? all : all.subList(0, 4));
      firstPicks[all.indexOf(balancer.choose())]++;
    }
    // Had the rotation restarted, endpoint 0 would have been first after all 100 changes.
    assertEquals(true, firstPicks[0] < 40, "first picks after changes: " + List.of(firstPicks));
  }

  @Test
  void choose_acrossManyMembershipChanges_staysEven() {
    Balancer balancer = Fixtures.balancer(Pickers.roundRobin(), 3);
    List<Endpoint> base = endpoints(3);
    Endpoint extra = Fixtures.endpoint(99);
    Map<String, Integer> counts = new java.util.HashMap<>();
    for (int round = 0; round < 300; round++) {
      if (round % 10 == 5) {
        balancer.add(extra);
      } else if (round % 10 == 6) {
        balancer.remove(extra.id());
      }
      for (int i = 0; i < 3; i++) {
        counts.merge(balancer.choose().id(), 1, Integer::sum);
      }
    }
    // 900 picks, 60 membership changes; the extra endpoint takes its turns while it is a member.
    // Restarting the rotation at each change would hand the first endpoint ~20 extra picks per 10
    // rounds; continuing it keeps the three base endpoints within 15 picks (5%) of each other.
    int min = Integer.MAX_VALUE;
    int max = 0;
    for (Endpoint e : base) {
      min = Math.min(min, counts.get(e.id()));
      max = Math.max(max, counts.get(e.id()));
    }
    assertEquals(true, max - min <= 15, "counts: " + counts);
    assertEquals(30, counts.get(extra.id()));
  }

  @Test
  void weights_reduce_dividesByGcdAndRespectsBudget() {
    assertArrayEquals(new int[] {5, 1, 1}, Weights.reduce(new int[] {50, 10, 10}, 1 << 24));
    int[] scaled = Weights.reduce(new int[] {1_000_000, 1, 3}, 3_000);
    assertEquals(true, Weights.sum(scaled) * scaled.length <= 3_100, List.of(scaled).toString());
    assertEquals(1, scaled[1]);
  }

  @Test
  void remainder_matchesTheOperatorForEveryDivisorShape() {
    java.util.Random random = new java.util.Random(11);
    int[] divisors = {1, 2, 3, 7, 10, 1000, 1 << 20, (1 << 24) - 3, Integer.MAX_VALUE};
    for (int d : divisors) {
      long m = RoundRobinPickerFactory.magic(d);
      int[] edges = {0, 1, d - 1, d, Integer.MAX_VALUE, Integer.MAX_VALUE - 1};
      for (int i : edges) {
        if (i >= 0) {
          assertEquals(i % d, RoundRobinPickerFactory.remainder(i, m, d), i + " % " + d);
        }
      }
      for (int k = 0; k < 100_000; k++) {
        int i = random.nextInt() & Integer.MAX_VALUE;
        assertEquals(i % d, RoundRobinPickerFactory.remainder(i, m, d), i + " % " + d);
      }
    }
  }
}
