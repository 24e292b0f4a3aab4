package io.github.lb4j.core;

import io.github.lb4j.Candidate;
import io.github.lb4j.Picker;

/**
 * A picker that maps keys to endpoints (hashing). {@link #home} answers where a key belongs without
 * side effects and whatever the load, which lets the balancer measure how many keys a membership
 * change remapped.
 */
interface AffinityPicker extends Picker {

  /** The candidate {@code key} maps to when nothing is overloaded. */
  Candidate home(String key);
}
