package io.github.lb4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

final class PeakEwmaTest {
  private static final long TAU = 10_000_000_000L;

  @Test
  void decay_isCloseToExpWhereItMatters() {
    for (double x = 0; x <= 0.02; x += 1e-6) {
      double exact = Math.exp(-x);
      assertEquals(exact, PeakEwma.decay(x), 1e-6 * exact, "x = " + x);
    }
    for (double x = 0; x <= 3; x += 0.001) {
      double exact = Math.exp(-x);
      assertEquals(exact, PeakEwma.decay(x), 1e-4 * exact, "x = " + x);
    }
    for (double x = 3; x <= 10; x += 0.01) {
      double exact = Math.exp(-x);
      assertEquals(exact, PeakEwma.decay(x), 0.01 * exact, "x = " + x);
    }
  }

  @Test
  void decay_fallsFromOneToZeroAndNeverRises() {
    assertEquals(1.0, PeakEwma.decay(0));
    double previous = 1;
    for (double x = 0; x <= 2 * PeakEwma.FORGET_AFTER; x += 0.0005) {
      double d = PeakEwma.decay(x);
      assertTrue(d <= previous && d >= 0, "decay(" + x + ") = " + d + " after " + previous);
      previous = d;
    }
    double below = Math.nextDown(PeakEwma.SHORT);
    assertTrue(PeakEwma.decay(below) >= PeakEwma.decay(PeakEwma.SHORT), "at the switch of formula");
    assertEquals(0.0, PeakEwma.decay(PeakEwma.FORGET_AFTER));
    assertEquals(0.0, PeakEwma.decay(Double.POSITIVE_INFINITY));
  }

  @Test
  void observe_aSampleAboveTheDecayedAverageReplacesIt() {
    PeakEwma ewma = new PeakEwma(TAU, 0);
    ewma.observe(1_000_000_000, 0); // a 1 s failure penalty
    long later = 5 * TAU; // decayed to 6.7 ms
    assertEquals(1e9 * Math.exp(-5), ewma.value(later), 1e9 * Math.exp(-5) * 1e-3);
    ewma.observe(10_000_000, later); // a 10 ms call is a peak over what the average is now
    assertEquals(10_000_000, ewma.value(later), 1e-6);
  }

  @Test
  void observe_aLowerSamplePullsTheAverageDownByTheTimeSinceTheLast() {
    PeakEwma ewma = new PeakEwma(TAU, 0);
    ewma.observe(100, 0);
    ewma.observe(0, TAU);
    assertEquals(100 * Math.exp(-1), ewma.value(TAU), 1e-3);
    ewma.observe(20, TAU); // below the average, and no time passed: it has no weight
    assertEquals(100 * Math.exp(-1), ewma.value(TAU), 1e-3);
  }

  @Test
  void value_beforeAnySample_isZero_andAfterForgetting_isZeroAgain() {
    PeakEwma ewma = new PeakEwma(TAU, 0);
    assertEquals(0.0, ewma.value(123));
    ewma.observe(1_000, 0);
    assertEquals(1_000.0, ewma.value(0));
    assertEquals(0.0, ewma.value((long) (PeakEwma.FORGET_AFTER * TAU)));
  }

  @Test
  void constructor_rejectsANonPositiveDecay() {
    assertEquals(
        "decayNanos: 0.0 (expected: > 0 and finite)",
        assertThrows(IllegalArgumentException.class, () -> new PeakEwma(0, 0)).getMessage());
  }
}
