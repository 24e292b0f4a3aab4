package io.github.lb4j.core;

import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The randomness of a picker: {@link ThreadLocalRandom} by default (no contention, no allocation),
 * or a seeded {@link Random} that tests inject for repeatable choices.
 */
abstract class Rng {
  static final Rng THREAD_LOCAL =
      new Rng() {
        @Override
        int nextInt(int bound) {
          return ThreadLocalRandom.current().nextInt(bound);
        }
      };

  static Rng of(Random random) {
    return new Rng() {
      @Override
      int nextInt(int bound) {
        return random.nextInt(bound);
      }
    };
  }

  /** A uniform int in {@code [0, bound)}. */
  abstract int nextInt(int bound);

  /** A uniform double in {@code [0, 1)}, with 24 bits of precision, enough to weigh a choice. */
  double nextDouble() {
    return nextInt(1 << 24) * 0x1.0p-24;
  }
}
