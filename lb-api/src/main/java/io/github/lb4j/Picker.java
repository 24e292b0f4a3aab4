package io.github.lb4j;

import java.util.Set;

/**
 * An immutable choice strategy over one set of candidates, built by a {@link PickerFactory}.
 *
 * <p>A balancer builds a new picker each time its membership or health changes and publishes it to
 * every caller of {@link Balancer#choose()}. The methods are therefore called by many threads at
 * once, must not block, and should not allocate: they are on every request's path. State that must
 * outlive one picker (a round-robin position) belongs to the factory.
 *
 * <p>A picker whose choice depends on in-flight counts so tightly that choosing and counting must
 * be one atomic step (bounded loads) implements {@link ReservingPicker} as well.
 */
@FunctionalInterface
public interface Picker {

  /**
   * Chooses a candidate for one call.
   *
   * @param key the call's affinity key, or {@code null} when the caller gave none; strategies
   *     without affinity ignore it
   * @return the chosen candidate, one of those this picker was built with, or {@code null} when
   *     none of them can take the call (for example all are over a load bound)
   */
  Candidate pick(String key);

  /**
   * Chooses a candidate whose endpoint id is not in {@code exclude}: for a retry or a hedged copy
   * ({@link Balancer#acquire(String, Set)}). Hashing strategies override it to send the key where
   * it would go if the excluded endpoints left. The default returns {@link #pick(String)}'s choice
   * when it is allowed and {@code null} otherwise; the balancer then takes the allowed candidate
   * with the fewest calls in flight per unit of weight.
   *
   * @param key the affinity key, or {@code null}
   * @param exclude ids not to choose, never empty
   * @return an allowed candidate, or {@code null}
   */
  default Candidate pick(String key, Set<String> exclude) {
    Candidate chosen = pick(key);
    return chosen == null || exclude.contains(chosen.endpoint().id()) ? null : chosen;
  }
}
