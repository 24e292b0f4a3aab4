package io.github.lb4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

final class EndpointStateTest {
  private static final Endpoint E = Endpoint.of("http://10.0.0.1:8080");

  @Test
  void negativeMalformedLoadReports_rejectedNamingTheValue() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new EndpointState(E, HealthState.HEALTHY, 0, 0, 0, 0, 0, 0, 0, null, -1));
    assertEquals("malformedLoadReports: -1 (expected: >= 0)", e.getMessage());
  }

  @Test
  void stateWithoutLoadReports_hasNoReportAndNoMalformedOnes() {
    EndpointState s = new EndpointState(E, HealthState.HEALTHY, 1, 2, 3, 0, 0, 6, 0.5);
    assertNull(s.loadReport());
    assertEquals(0, s.malformedLoadReports());
    assertEquals(5, s.completed());
  }
}
