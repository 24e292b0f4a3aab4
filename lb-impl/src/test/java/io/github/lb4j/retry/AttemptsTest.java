package io.github.lb4j.retry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.lb4j.Balancer;
import io.github.lb4j.Lease;
import io.github.lb4j.NoAvailableEndpointException;
import io.github.lb4j.core.Balancers;
import io.github.lb4j.testing.FakeClock;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

final class AttemptsTest {
  private final Balancer balancer =
      Balancers.builder().name("b").endpoints("http://a:1", "http://b:1", "http://c:1").build();

  @AfterEach
  void close() {
    balancer.close();
  }

  @Test
  void retry_triesEveryEndpointOnceThenStops() {
    Attempts attempts = RetryPolicy.maxAttempts(5).start(balancer, null);

    Lease first = attempts.first();
    first.close();
    Lease second = attempts.retry();
    second.close();
    Lease third = attempts.retry();
    third.close();

    assertEquals(Set.of("http://a:1", "http://b:1", "http://c:1"), attempts.tried());
    assertNull(attempts.retry(), "no untried endpoint is left");
    assertEquals(3, attempts.made());
    assertEquals(0, balancer.snapshot().totalInFlight());
  }

  @Test
  void retry_attemptsSpent_returnsNull() {
    Attempts attempts = RetryPolicy.maxAttempts(2).start(balancer, "k");

    attempts.first().close();
    attempts.retry().close();

    assertNull(attempts.retry());
    assertEquals(2, attempts.tried().size());
  }

  @Test
  void retry_budgetSpent_returnsNullAndReleasesTheLease() {
    FakeClock clock = new FakeClock();
    RetryBudget budget = RetryBudget.ofRatio(0).minRetriesPerSecond(0).ticker(clock).build();
    RetryPolicy policy = RetryPolicy.maxAttempts(3).withBudget(budget);

    Attempts one = policy.start(balancer, null);
    one.first().close();
    one.retry().close(); // the one token a budget without reserve holds
    Attempts two = policy.start(balancer, null);
    two.first().close();

    assertNull(two.retry());
    assertEquals(1, two.made());
    assertEquals(0, balancer.snapshot().totalInFlight());
  }

  @Test
  void next_alsoExcluded_staysAwayFromThem() {
    Attempts attempts = RetryPolicy.maxAttempts(3).start(balancer, null);

    Lease lease = attempts.next(Set.of("http://a:1", "http://b:1"), true);

    assertEquals("http://c:1", lease.endpoint().id());
    lease.close();
    assertThrows(
        NoAvailableEndpointException.class,
        () -> attempts.next(Set.of("http://a:1", "http://b:1"), true));
    Lease back = attempts.next(Set.of("http://a:1", "http://b:1"), false);
    assertEquals("http://c:1", back.endpoint().id(), "a tried endpoint when asked for one");
    back.close();
    assertEquals(List.of("http://c:1"), List.copyOf(attempts.tried()));
  }

  @Test
  void retry_withKey_movesOffTheKeysEndpoint() {
    Attempts attempts = RetryPolicy.maxAttempts(2).start(balancer, "user-7");

    Lease first = attempts.first();
    first.close();
    Lease second = attempts.retry();
    second.close();

    assertNotEquals(first.endpoint().id(), second.endpoint().id());
  }

  @Test
  void first_twice_throwsIllegalState() {
    Attempts attempts = RetryPolicy.none().start(balancer, null);
    attempts.first().close();

    assertEquals(
        "first(): 1 attempts made (expected: none)",
        assertThrows(IllegalStateException.class, attempts::first).getMessage());
    assertNull(attempts.retry(), "none() never retries");
  }

  @Test
  void maxAttempts_belowOne_throwsIllegalArgument() {
    assertEquals(
        "maxAttempts: 0 (expected: >= 1)",
        assertThrows(IllegalArgumentException.class, () -> RetryPolicy.maxAttempts(0))
            .getMessage());
  }
}
