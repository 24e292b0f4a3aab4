package io.github.lb4j.core;

import io.github.lb4j.Candidate;
import io.github.lb4j.Picker;
import io.github.lb4j.PickerContext;
import io.github.lb4j.PickerFactory;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongBinaryOperator;
import java.util.function.LongUnaryOperator;

/**
 * The consistent-hash configuration of the classic course assignment lb4j's users know, kept so its
 * experiments can be reproduced next to the default ring. It distributes badly by design.
 *
 * <ul>
 *   <li>A ring of {@value #SLOTS} slots; {@value #REPLICAS} virtual servers per server, whatever
 *       its weight.
 *   <li>Server {@code i} (its 1-based position in the membership), replica {@code j} (0-based) sits
 *       at {@code Φ(i, j) = i + j + 2j² + 25 mod 512}; a taken slot is resolved by quadratic
 *       probing ({@code +1, +4, +9, ...}), then linearly if probing cycles.
 *   <li>A request with id {@code i} lands at {@code H(i) = i + 2i² + 17 mod 512} and goes to the
 *       first server slot clockwise. The id is the key itself when it is a decimal integer, else
 *       the key's {@code String.hashCode()} made non-negative; a call without a key gets a random
 *       id.
 * </ul>
 *
 * <p>H and Φ can be replaced ({@link Pickers#classicSeedHash(LongUnaryOperator,
 * LongBinaryOperator)}) to study what they change; everything else stays: the 512 slots, the 9
 * replicas, the numbering by position, the probing. Each function's value is taken modulo 512
 * ({@link Math#floorMod(long, int)}), so it may overflow or be negative.
 *
 * <p>At most {@code 512 / 9 = 56} servers fit; building over more fails with an {@link
 * IllegalArgumentException}, which rejects the membership change that asked for it.
 */
final class ClassicSeedHashPickerFactory implements PickerFactory {
  static final int SLOTS = 512;
  static final int REPLICAS = 9;

  /** The seed's {@code H(i) = i + 2i² + 17}, on {@code i mod 512} so that it never overflows. */
  static final LongUnaryOperator SEED_H =
      id -> {
        long i = Math.floorMod(id, SLOTS);
        return i + 2 * i * i + 17;
      };

  /** The seed's {@code Φ(i, j) = i + j + 2j² + 25}. */
  static final LongBinaryOperator SEED_PHI = (i, j) -> i + j + 2 * j * j + 25;

  private final Rng rng;
  private final LongUnaryOperator requestSlot;
  private final LongBinaryOperator serverSlot;

  ClassicSeedHashPickerFactory(
      Rng rng, LongUnaryOperator requestSlot, LongBinaryOperator serverSlot) {
    this.rng = rng;
    this.requestSlot = requestSlot;
    this.serverSlot = serverSlot;
  }

  @Override
  public String name() {
    return "classic-hash";
  }

  @Override
  public Picker newPicker(List<Candidate> candidates, PickerContext context) {
    if (candidates.size() > SLOTS / REPLICAS) {
      throw new IllegalArgumentException(
          "endpoints: "
              + candidates.size()
              + " (expected: <= "
              + SLOTS / REPLICAS
              + " for the classic 512-slot ring)");
    }
    int[] slotOwner = new int[SLOTS];
    Arrays.fill(slotOwner, -1);
    for (int server = 0; server < candidates.size(); server++) {
      long i = server + 1L;
      for (long j = 0; j < REPLICAS; j++) {
        slotOwner[freeSlot(slotOwner, slot(serverSlot.applyAsLong(i, j)))] = server;
      }
    }
    // For each slot, the owner of the first server slot at or after it: an O(1) lookup.
    int[] next = new int[SLOTS];
    int owner = -1;
    for (int pass = 0; pass < 2; pass++) {
      for (int s = SLOTS - 1; s >= 0; s--) {
        if (slotOwner[s] >= 0) {
          owner = slotOwner[s];
        }
        next[s] = owner;
      }
    }
    Candidate[] array = candidates.toArray(new Candidate[0]);
    return new AffinityPicker() {
      @Override
      public Candidate pick(String key) {
        long id = key == null ? rng.nextInt(Integer.MAX_VALUE) : id(key);
        return array[next[slot(requestSlot.applyAsLong(id))]];
      }

      @Override
      public Candidate home(String key) {
        return pick(key);
      }
    };
  }

  private static int freeSlot(int[] slotOwner, int home) {
    for (int probe = 0; probe < SLOTS; probe++) {
      int slot = (int) ((home + (long) probe * probe) % SLOTS);
      if (slotOwner[slot] < 0) {
        return slot;
      }
    }
    for (int probe = 1; probe < SLOTS; probe++) {
      int slot = (home + probe) % SLOTS;
      if (slotOwner[slot] < 0) {
        return slot;
      }
    }
    throw new AssertionError("ring full"); // unreachable: at most 56 * 9 = 504 of 512 slots taken
  }

  /** A slot function's value on the ring. */
  static int slot(long value) {
    return Math.floorMod(value, SLOTS);
  }

  /** The request id of a key: its decimal value if it is one, else its non-negative hash code. */
  static long id(String key) {
    int n = key.length();
    if (n == 0 || n > 18) {
      return key.hashCode() & Integer.MAX_VALUE;
    }
    long value = 0;
    for (int i = 0; i < n; i++) {
      char c = key.charAt(i);
      if (c < '0' || c > '9') {
        return key.hashCode() & Integer.MAX_VALUE;
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }
}
