package io.github.lb4j;

/**
 * An immutable choice strategy over one set of candidates, built by a {@link PickerFactory}.
 *
 * <p>A balancer builds a new picker each time its membership or health changes and publishes it to
 * every caller of {@link Balancer#choose()}. {@link #pick(String)} is therefore called by many
 * threads at once, must not block, and should not allocate: it is on every request's path. State
 * that must outlive one picker (a round-robin position) belongs to the factory.
 */
@FunctionalInterface
public interface Picker {

  /**
   * Chooses a candidate for one call.
   *
   * @param key the call's affinity key, or {@code null} when the caller gave none; strategies
   *     without affinity ignore it
   * @return the chosen candidate, one of those this picker was built with, or {@code null} when none
   *     of them can take the call (for example all are over a load bound)
   */
  Candidate pick(String key);
}
