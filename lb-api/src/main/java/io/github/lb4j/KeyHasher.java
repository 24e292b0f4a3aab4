package io.github.lb4j;

/**
 * A 64-bit hash of an affinity key, for hashing pickers.
 *
 * <p>Implementations must be pure (the same key always gives the same hash, on every JVM), thread
 * safe, and should not allocate: they run on every keyed pick.
 */
@FunctionalInterface
public interface KeyHasher {

  /**
   * Hashes {@code key} to 64 bits.
   *
   * @param key the affinity key or endpoint id to hash
   * @return the 64-bit hash
   */
  long hash(CharSequence key);
}
