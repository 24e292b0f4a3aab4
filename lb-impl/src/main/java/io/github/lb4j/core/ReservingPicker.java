package io.github.lb4j.core;

import io.github.lb4j.Picker;

/**
 * A picker whose choice depends on in-flight counts tightly enough that choosing and counting the
 * call must be one atomic step (bounded-load hashing). The balancer calls {@link #pickAndAcquire}
 * for {@code acquire()} instead of {@code pick} followed by an unconditional increment.
 */
interface ReservingPicker extends Picker {

  /**
   * Chooses a slot and counts the call as in flight on it; {@code null} when none can take it.
   *
   * @param key the affinity key, or {@code null}
   */
  EndpointSlot pickAndAcquire(String key);
}
