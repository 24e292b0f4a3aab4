package io.github.lb4j.core;

import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The randomness of a picker: {@link ThreadLocalRandom} by default (no contention, no allocation),
 * or a seeded {@link Random} that tests inject for repeatable choices.
 *
 * <p>One final class with a branch rather than a subclass per source, so that every call site stays
 * monomorphic whichever sources a process uses. Thread safe as its source is.
 */
final class Rng {
  static final Rng THREAD_LOCAL = new Rng(null);

  /** The seeded source, or {@code null} for {@link ThreadLocalRandom}. */
  private final Random random;

  private Rng(Random random) {
    this.random = random;
  }

  static Rng of(Random random) {
    if (random == null) {
      throw new NullPointerException("random");
    }
    return new Rng(random);
  }

  /** A uniform int in {@code [0, bound)}. */
  int nextInt(int bound) {
    return random == null ? ThreadLocalRandom.current().nextInt(bound) : random.nextInt(bound);
  }

  /** 64 uniform random bits: one draw that {@link #index} can split into two choices. */
  long nextLong() {
    return random == null ? ThreadLocalRandom.current().nextLong() : random.nextLong();
  }

  /** A uniform double in {@code [0, 1)}, with 24 bits of precision, enough to weigh a choice. */
  double nextDouble() {
    return nextInt(1 << 24) * 0x1.0p-24;
  }

  /**
   * An index in {@code [0, bound)} from the 32 random bits {@code bits32} (in {@code [0, 2^32)}),
   * by multiplying and shifting instead of dividing: each index gets {@code 2^32 / bound} values of
   * {@code bits32}, rounded up or down, a bias below {@code bound / 2^32}.
   */
  static int index(long bits32, int bound) {
    return (int) ((bits32 * bound) >>> 32);
  }

  /** The high 32 bits of {@code bits}, as a non-negative long. */
  static long high(long bits) {
    return bits >>> 32;
  }

  /** The low 32 bits of {@code bits}, as a non-negative long. */
  static long low(long bits) {
    return bits & 0xFFFF_FFFFL;
  }
}
