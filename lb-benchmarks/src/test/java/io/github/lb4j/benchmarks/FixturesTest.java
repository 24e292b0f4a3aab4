package io.github.lb4j.benchmarks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.lb4j.Endpoint;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

final class FixturesTest {

  @Test
  void keys_sameSeed_sameDistinctVersion4UuidsOf36Chars() {
    String[] keys = Fixtures.keys(1000, 7);

    assertArrayEquals(keys, Fixtures.keys(1000, 7));
    assertEquals(1000, Arrays.stream(keys).distinct().count());
    for (String key : keys) {
      assertEquals(36, key.length(), key);
      assertEquals(4, UUID.fromString(key).version(), key);
    }
  }

  @Test
  void endpoints_weighted_cycleOneToFiveWithDistinctIds() {
    List<Endpoint> endpoints = Fixtures.endpoints(0, 300, true);

    assertEquals(300, endpoints.stream().distinct().count());
    for (int i = 0; i < endpoints.size(); i++) {
      assertEquals(1 + i % 5, endpoints.get(i).weight());
    }
    assertEquals("http://10.0.1.43:8080", endpoints.get(299).id());
  }

  @Test
  void picker_unknownName_throws() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Fixtures.picker("fastest"));

    assertEquals("picker: 'fastest' (expected: a known picker)", e.getMessage());
  }

  @Test
  void balancer_locality_spreadsOverTheThreeZones() {
    try (io.github.lb4j.Balancer balancer = Fixtures.balancer("locality-least-connection", 30)) {
      java.util.Set<String> zones = new java.util.HashSet<>();
      for (int i = 0; i < 300; i++) {
        zones.add(balancer.choose().zone());
      }
      assertEquals(java.util.Set.of("z0", "z1", "z2"), zones);
    }
  }
}
