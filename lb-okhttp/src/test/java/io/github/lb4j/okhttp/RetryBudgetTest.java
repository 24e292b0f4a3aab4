package io.github.lb4j.okhttp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lb4j.testing.FakeClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

final class RetryBudgetTest {
  private final FakeClock ticker = new FakeClock();

  private static int drain(RetryBudget budget) {
    int n = 0;
    while (budget.tryWithdraw()) {
      n++;
    }
    return n;
  }

  @Test
  void new_defaults_startsFullWithTenSecondsOfReserve() {
    RetryBudget budget = new RetryBudget(0.2, 10, ticker);

    assertEquals(100, budget.available());
    assertEquals(100, drain(budget));
    assertFalse(budget.tryWithdraw());
  }

  @Test
  void deposit_fiveRequestsAtTwentyPercent_earnExactlyOneRetry() {
    RetryBudget budget = new RetryBudget(0.2, 0, ticker);
    drain(budget);

    for (int i = 0; i < 4; i++) {
      budget.deposit();
    }
    assertFalse(budget.tryWithdraw(), "four requests earn 0.8 of a retry");
    budget.deposit();
    assertTrue(budget.tryWithdraw());
    assertFalse(budget.tryWithdraw());
  }

  @Test
  void deposit_manyRequestsWhileFull_staysAtCapacity() {
    RetryBudget budget = new RetryBudget(0.2, 1, ticker);

    for (int i = 0; i < 1_000; i++) {
      budget.deposit();
    }

    assertEquals(10, drain(budget));
  }

  @Test
  void tryWithdraw_afterTimePasses_refillsAtTheReserveRate() {
    RetryBudget budget = new RetryBudget(0.2, 10, ticker);
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
    budget.deposit();
    budget.deposit();
    ticker.advance(Duration.ofSeconds(5));
    assertEquals(1, drain(budget));
  }
}
