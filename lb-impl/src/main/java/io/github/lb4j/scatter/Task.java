package io.github.lb4j.scatter;

import java.util.Objects;

/**
 * One unit of work in a scatter-gather batch: an input for the transport and an optional affinity
 * key handed to {@link io.github.lb4j.Balancer#acquire(String)}.
 *
 * <p>Immutable when its input is; safe to share between threads.
 *
 * @param input what the transport sends; never {@code null}
 * @param key the affinity key (a tile coordinate, a cache key), or {@code null} for none
 * @param <T> the type of the input
 */
public record Task<T>(T input, String key) {

  /**
   * Checks the components.
   *
   * @param input what the transport sends
   * @param key the affinity key, or {@code null}
   */
  public Task {
    Objects.requireNonNull(input, "input");
    if (key != null && key.isEmpty()) {
      throw new IllegalArgumentException("key: '' (expected: null or not empty)");
    }
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
