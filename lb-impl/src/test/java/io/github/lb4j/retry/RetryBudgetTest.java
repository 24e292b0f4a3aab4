package io.github.lb4j.retry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lb4j.testing.FakeClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class RetryBudgetTest {
  private final FakeClock ticker = new FakeClock();

  private static int drain(RetryBudget budget) {
    int n = 0;
    while (budget.tryRetry()) {
      n++;
    }
    return n;
  }

  @Test
  void new_defaults_startsFullWithTenSecondsOfReserve() {
    RetryBudget budget = RetryBudget.ofRatio(0.2).minRetriesPerSecond(10).ticker(ticker).build();

    assertEquals(100, budget.available());
    assertEquals(100, drain(budget));
    assertFalse(budget.tryRetry());
  }

  @Test
  void deposit_fiveRequestsAtTwentyPercent_earnExactlyOneRetry() {
    RetryBudget budget = new RetryBudget(0.2, 0, ticker);
    drain(budget);

    for (int i = 0; i < 4; i++) {
      budget.recordRequest();
    }
    assertFalse(budget.tryRetry(), "four requests earn 0.8 of a retry");
    budget.recordRequest();
    assertTrue(budget.tryRetry());
    assertFalse(budget.tryRetry());
  }

  @Test
  void deposit_manyRequestsWhileFull_staysAtCapacity() {
    RetryBudget budget = new RetryBudget(0.2, 1, ticker);

    for (int i = 0; i < 1_000; i++) {
      budget.recordRequest();
    }

    assertEquals(10, drain(budget));
  }

  @Test
  void tryWithdraw_afterTimePasses_refillsAtTheReserveRate() {
    RetryBudget budget = RetryBudget.ofRatio(0.2).minRetriesPerSecond(10).ticker(ticker).build();
    drain(budget);

    ticker.advance(Duration.ofMillis(250));
    assertEquals(2, drain(budget), "10 per second for 0.25 s is 2.5 retries");

    ticker.advance(Duration.ofMillis(50));
    assertEquals(1, drain(budget), "the half retry left over plus 0.5 more");

    ticker.advance(Duration.ofHours(1));
    assertEquals(100, drain(budget), "never more than the capacity");
  }

  @Test
  void tryWithdraw_noReserve_capacityIsOneRetry() {
    RetryBudget budget = new RetryBudget(1.0, 0, ticker);

    assertEquals(1, drain(budget));
    budget.recordRequest();
    budget.recordRequest();
    ticker.advance(Duration.ofSeconds(5));
    assertEquals(1, drain(budget));
  }

  @Test
  void unlimited_neverRefuses() {
    RetryBudget budget = RetryBudget.unlimited();

    for (int i = 0; i < 10_000; i++) {
      assertTrue(budget.tryRetry());
    }
    assertEquals(Long.MAX_VALUE, budget.available());
  }

  @Test
  void defaults_areTwentyPercentAndTenPerSecond() {
    assertEquals(100, RetryBudget.defaults().available());
  }

  @ParameterizedTest
  @ValueSource(doubles = {-0.1, Double.NaN, Double.POSITIVE_INFINITY})
  void ofRatio_badRatio_throwsIllegalArgument(double ratio) {
    assertEquals(
        "ratio: " + ratio + " (expected: >= 0 and finite)",
        assertThrows(IllegalArgumentException.class, () -> RetryBudget.ofRatio(ratio))
            .getMessage());
  }

  @Test
  void minRetriesPerSecond_negative_throwsIllegalArgument() {
    assertEquals(
        "minRetriesPerSecond: -1 (expected: >= 0)",
        assertThrows(
                IllegalArgumentException.class,
                () -> RetryBudget.ofRatio(0.2).minRetriesPerSecond(-1))
            .getMessage());
  }
}
