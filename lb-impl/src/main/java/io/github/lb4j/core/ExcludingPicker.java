package io.github.lb4j.core;

import io.github.lb4j.Picker;
import java.util.Set;

/**
 * A picker with its own way of avoiding endpoints: hashing pickers walk their ring from the key's
 * place, so that a key's fallback endpoint is the same every time instead of a random one.
 */
interface ExcludingPicker extends Picker {

  /**
   * Chooses a slot whose endpoint id is not in {@code exclude} and counts the call as in flight on
   * it; {@code null} when there is none.
   *
   * @param key the affinity key, or {@code null}
   */
  EndpointSlot acquireExcluding(String key, Set<String> exclude);
}
