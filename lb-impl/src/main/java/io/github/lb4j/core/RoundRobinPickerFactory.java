package io.github.lb4j.core;

import io.github.lb4j.Candidate;
import io.github.lb4j.Picker;
import io.github.lb4j.PickerContext;
import io.github.lb4j.PickerFactory;
import java.util.List;

/**
 * Round-robin, and nginx's smooth weighted round-robin when weights differ.
 *
 * <p>The position is one counter owned by the factory, shared by every picker it builds, so a
 * membership change continues the rotation where it was instead of restarting at the first endpoint
 * (restarting sent 3-4x the load to the first hosts during deploys in grpc-java#4462).
 *
 * <p>Smooth weighted round-robin is stateful in nginx (a current weight per peer, updated under a
 * lock). Here the whole cycle is computed once per rebuild into an array, and picking indexes it
 * with the shared counter: the same sequence, without a lock. The cycle has {@code sum(weight) /
 * gcd} entries; when that times the endpoint count exceeds {@link #SCHEDULE_BUDGET}, weights are
 * scaled down proportionally (each kept {@code >= 1}) so that building stays fast.
 */
final class RoundRobinPickerFactory implements PickerFactory {
  /** Upper bound on cycle length times endpoint count, the cost of computing a weighted cycle. */
  static final long SCHEDULE_BUDGET = 1L << 24;

  private final CyclePosition position = CyclePosition.shared();

  @Override
  public String name() {
    return "round-robin";
  }

  @Override
  public Picker newPicker(List<Candidate> candidates, PickerContext context) {
    Candidate[] array = candidates.toArray(new Candidate[0]);
    int[] weights = Weights.of(candidates);
    if (Weights.allEqual(weights)) {
      return new Plain(array, position);
    }
    return new Smooth(array, schedule(Weights.reduce(weights, SCHEDULE_BUDGET)), position);
  }

  /** nginx's smooth weighted round-robin, run for one full cycle. */
  static int[] schedule(int[] weights) {
    long total = 0;
    for (int w : weights) {
      total += w;
    }
    int[] sequence = new int[(int) total];
    long[] current = new long[weights.length];
    for (int step = 0; step < sequence.length; step++) {
      int best = 0;
      for (int i = 0; i < weights.length; i++) {
        current[i] += weights[i];
        if (current[i] > current[best]) {
          best = i;
        }
      }
      current[best] -= total;
      sequence[step] = best;
    }
    return sequence;
  }

  /**
   * {@code i % divisor} for {@code i >= 0} without a division (Lemire, Kaser and Kurz, "Faster
   * remainder by direct computation", 2019): with {@code m = floor((2^64 - 1) / divisor) + 1} (see
   * {@link #magic}), the remainder is the high 64 bits of {@code (m * i mod 2^64) * divisor}. Two
   * multiplications instead of an integer division, which costs more than the rest of a round-robin
   * pick on common CPUs. The pickers keep {@code m} and {@code divisor} in their own fields, so a
   * pick reads no other object.
   */
  static int remainder(int i, long m, int divisor) {
    long low = m * i;
    // The unsigned high half of low * divisor: divisor is positive, so only low's sign corrects.
    return (int) (Math.multiplyHigh(low, divisor) + ((low >> 63) & divisor));
  }

  /** The multiplier of {@link #remainder} for {@code divisor >= 1}. */
  static long magic(int divisor) {
    return Long.divideUnsigned(-1L, divisor) + 1;
  }

  private static final class Plain implements Picker {
    private final Candidate[] candidates;
    private final CyclePosition position;
    private final long m;
    private final int n;

    Plain(Candidate[] candidates, CyclePosition position) {
      this.candidates = candidates;
      this.position = position;
      this.n = candidates.length;
      this.m = magic(n);
    }

    @Override
    public Candidate pick(String key) {
      return candidates[remainder(position.next(), m, n)];
    }
  }

  /**
   * The weighted cycle resolved to candidates when the picker is built, so that a pick is one array
   * read after the counter (an index into an {@code int[]} schedule would be one more dependent
   * read). The array costs the same as the schedule: one reference per step. Also the reported-load
   * picker's cycle.
   */
  static final class Smooth implements Picker {
    private final Candidate[] sequence;
    private final CyclePosition position;
    private final long m;
    private final int n;

    Smooth(Candidate[] candidates, int[] schedule, CyclePosition position) {
      this.sequence = new Candidate[schedule.length];
      for (int i = 0; i < schedule.length; i++) {
        sequence[i] = candidates[schedule[i]];
      }
      this.position = position;
      this.n = schedule.length;
      this.m = magic(n);
    }

    @Override
    public Candidate pick(String key) {
      return sequence[remainder(position.next(), m, n)];
    }
  }
}
