package io.github.lb4j.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

final class DistributionReportTest {

  @Test
  void main_noKeys_throws() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> DistributionReport.main(new String[] {"0"}));

    assertEquals("keys: 0 (expected: > 0)", e.getMessage());
  }
}
