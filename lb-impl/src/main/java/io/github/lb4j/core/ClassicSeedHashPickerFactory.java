package io.github.lb4j.core;

import io.github.lb4j.Candidate;
import io.github.lb4j.Picker;
import io.github.lb4j.PickerContext;
import io.github.lb4j.PickerFactory;
import java.util.Arrays;
import java.util.List;

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
 * <p>At most {@code 512 / 9 = 56} servers fit; building over more fails with an {@link
 * IllegalArgumentException}, which rejects the membership change that asked for it.
 */
final class ClassicSeedHashPickerFactory implements PickerFactory {
  static final int SLOTS = 512;
  static final int REPLICAS = 9;

  private final Rng rng;

  ClassicSeedHashPickerFactory(Rng rng) {
    this.rng = rng;
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
        slotOwner[freeSlot(slotOwner, (int) ((i + j + 2 * j * j + 25) % SLOTS))] = server;
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
        return array[next[requestSlot(key == null ? rng.nextInt(Integer.MAX_VALUE) : id(key))]];
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

  /** {@code H(i) = i + 2i² + 17 mod 512}; only {@code i mod 512} matters, so no overflow. */
  static int requestSlot(long id) {
    long i = Math.floorMod(id, SLOTS);
    return (int) ((i + 2 * i * i + 17) % SLOTS);
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
