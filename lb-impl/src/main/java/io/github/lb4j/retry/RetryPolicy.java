package io.github.lb4j.retry;

import io.github.lb4j.Balancer;
import java.util.Objects;

/**
 * How many attempts a call may make and which {@link RetryBudget} pays for its retries: the one
 * retry vocabulary of lb4j's integrations (the OkHttp interceptor, the JDK {@code HttpClient}
 * wrapper and scatter-gather all take a {@code RetryPolicy}).
 *
 * <pre>{@code
 * RetryPolicy policy = RetryPolicy.maxAttempts(3)
 *     .withBudget(RetryBudget.ofRatio(0.2).minRetriesPerSecond(10).build());
 * }</pre>
 *
 * <p>Each call starts its own {@link Attempts} with {@link #start}, which acquires leases and never
 * goes back to an endpoint the call already tried. Immutable and thread safe; the budget it holds
 * is shared by every call started from it.
 */
public final class RetryPolicy {
  private static final RetryPolicy NONE = new RetryPolicy(1, RetryBudget.unlimited());

  private final int maxAttempts;
  private final RetryBudget budget;

  private RetryPolicy(int maxAttempts, RetryBudget budget) {
    this.maxAttempts = maxAttempts;
    this.budget = budget;
  }

  /**
   * Up to {@code attempts} attempts per call, the first included, bounded by nothing else (the
   * budget is {@link RetryBudget#unlimited()} until {@link #withBudget} sets one).
   *
   * @param attempts the most attempts per call, {@code >= 1}; {@code 1} never retries
   * @return the policy
   * @throws IllegalArgumentException if {@code attempts < 1}
   */
  public static RetryPolicy maxAttempts(int attempts) {
    if (attempts < 1) {
      throw new IllegalArgumentException("maxAttempts: " + attempts + " (expected: >= 1)");
    }
    return attempts == 1 ? NONE : new RetryPolicy(attempts, RetryBudget.unlimited());
  }

  /**
   * One attempt per call: never retry.
   *
   * @return the policy
   */
  public static RetryPolicy none() {
    return NONE;
  }

  /**
   * This policy with retries paid for by {@code budget}.
   *
   * @param budget the budget, shared by every call started from the returned policy
   * @return a policy with the same attempt limit and the given budget
   */
  public RetryPolicy withBudget(RetryBudget budget) {
    Objects.requireNonNull(budget, "budget");
    return budget == this.budget ? this : new RetryPolicy(maxAttempts, budget);
  }

  /**
   * This policy with another attempt limit and the same budget.
   *
   * @param attempts the most attempts per call, {@code >= 1}
   * @return the policy
   * @throws IllegalArgumentException if {@code attempts < 1}
   */
  public RetryPolicy withMaxAttempts(int attempts) {
    return maxAttempts(attempts).withBudget(budget);
  }

  /**
   * The most attempts per call, the first included.
   *
   * @return the attempt limit, {@code >= 1}
   */
  public int maxAttempts() {
    return maxAttempts;
  }

  /**
   * The budget that pays for retries.
   *
   * @return the shared budget
   */
  public RetryBudget budget() {
    return budget;
  }

  /**
   * Starts the attempts of one call and records the call in the budget.
   *
   * @param balancer chooses each attempt's endpoint
   * @param key the call's affinity key, or {@code null} for none
   * @return the call's attempts, to be used by one thread at a time
   */
  public Attempts start(Balancer balancer, String key) {
    Objects.requireNonNull(balancer, "balancer");
    budget.recordRequest();
    return new Attempts(balancer, key, this);
  }

  @Override
  public String toString() {
    return "RetryPolicy(maxAttempts=" + maxAttempts + ", " + budget + ")";
  }
}
