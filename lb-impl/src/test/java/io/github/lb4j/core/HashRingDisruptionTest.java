package io.github.lb4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lb4j.Balancer;
import io.github.lb4j.Endpoint;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Minimal disruption through the balancer, at a total weight where a global cap on the ring's
 * points once rescaled every endpoint (170 endpoints of weight 100: 108 of 20,000 keys moved
 * between endpoints that both stayed when one joined).
 */
final class HashRingDisruptionTest {
  private static final String[] KEYS = Fixtures.uuidKeys(20_000, 42);

  private static Endpoint[] mapping(Balancer balancer) {
    Endpoint[] result = new Endpoint[KEYS.length];
    for (int k = 0; k < KEYS.length; k++) {
      result[k] = balancer.choose(KEYS[k]);
    }
    return result;
  }

  private static int strayMoves(Endpoint[] before, Endpoint[] after, Endpoint changed) {
    int stray = 0;
    for (int k = 0; k < before.length; k++) {
      if (!before[k].equals(after[k]) && !before[k].equals(changed) && !after[k].equals(changed)) {
        stray++;
      }
    }
    return stray;
  }

  @Test
  void weight100Times170_addThenRemove_noKeyMovesBetweenStayingEndpoints() {
    List<Endpoint> endpoints = new ArrayList<>();
    for (int i = 0; i < 170; i++) {
      endpoints.add(Fixtures.endpoint(i).withWeight(100));
    }
    Balancer balancer =
        Balancers.builder()
            .name("heavy")
            .picker(Pickers.consistentHash())
            .endpoints(endpoints)
            .build();
    Endpoint[] before = mapping(balancer);

    Endpoint joining = Fixtures.endpoint(170).withWeight(100);
    balancer.add(joining);
    Endpoint[] afterAdd = mapping(balancer);
    assertEquals(0, strayMoves(before, afterAdd, joining), "keys moved between staying endpoints");
    long gained = java.util.Arrays.stream(afterAdd).filter(joining::equals).count();
    assertTrue(gained > KEYS.length / 171 / 2, "the joiner's keys: " + gained);

    Endpoint leaving = endpoints.get(17);
    balancer.remove(leaving.id());
    Endpoint[] afterRemove = mapping(balancer);
    assertEquals(0, strayMoves(afterAdd, afterRemove, leaving), "keys moved off staying endpoints");
    balancer.close();
  }
}
