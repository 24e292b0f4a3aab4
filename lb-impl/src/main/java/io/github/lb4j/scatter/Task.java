package io.github.lb4j.scatter;

import java.util.Objects;

/**
 * One unit of work in a scatter-gather batch: an input for the transport, an optional affinity key
 * handed to {@link io.github.lb4j.Balancer#acquire(String)} and an estimate of its cost.
 *
 * <p>The cost is in any unit the caller likes (iterations, bytes, rows), as long as one batch uses
 * one unit: a batch starts its most expensive tasks first, so that a long task does not start last
 * and hold up the batch's end, and {@link HedgePolicy#pastExpected(double)} expects a task to take
 * time in proportion to its cost. Tasks of equal cost (the default, 1) start in the order given.
 *
 * <p>Immutable when its input is; safe to share between threads.
 *
 * @param input what the transport sends; never {@code null}
 * @param key the affinity key (a tile coordinate, a cache key), or {@code null} for none
 * @param cost the estimated cost, {@code >= 1}
 * @param <T> the type of the input
 */
public record Task<T>(T input, String key, long cost) {

  /**
   * Checks the components.
   *
   * @param input what the transport sends
   * @param key the affinity key, or {@code null}
   * @param cost the estimated cost, {@code >= 1}
   */
  public Task {
    Objects.requireNonNull(input, "input");
    if (key != null && key.isEmpty()) {
      throw new IllegalArgumentException("key: '' (expected: null or not empty)");
    }
    if (cost < 1) {
      throw new IllegalArgumentException("cost: " + cost + " (expected: >= 1)");
    }
  }

  /**
   * A task of cost 1.
   *
   * @param input what the transport sends
   * @param key the affinity key, or {@code null}
   */
  public Task(T input, String key) {
    this(input, key, 1);
  }

  /**
   * This task with another cost estimate.
   *
   * @param cost the estimated cost, {@code >= 1}
   * @return the task, {@code this} when the cost is the same
   * @throws IllegalArgumentException when {@code cost < 1}
   */
  public Task<T> withCost(long cost) {
    return cost == this.cost ? this : new Task<>(input, key, cost);
  }

  /**
   * A task without an affinity key.
   *
   * @param <T> the type of the input
   * @param input what the transport sends
   * @return the task
   */
  public static <T> Task<T> of(T input) {
    return new Task<>(input, null);
  }

  /**
   * A task with an affinity key.
   *
   * @param <T> the type of the input
   * @param key the affinity key
   * @param input what the transport sends
   * @return the task
   */
  public static <T> Task<T> keyed(String key, T input) {
    Objects.requireNonNull(key, "key");
    return new Task<>(input, key);
  }
}
