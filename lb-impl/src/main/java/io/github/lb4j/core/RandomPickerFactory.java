package io.github.lb4j.core;

import io.github.lb4j.Candidate;
import io.github.lb4j.Picker;
import io.github.lb4j.PickerContext;
import io.github.lb4j.PickerFactory;
import java.util.Arrays;
import java.util.List;

/**
 * Uniform random choice, weighted when weights differ (a binary search over cumulative weights).
 * The cheap baseline every other strategy is compared with.
 */
final class RandomPickerFactory implements PickerFactory {
  private final Rng rng;

  RandomPickerFactory(Rng rng) {
    this.rng = rng;
  }

  @Override
  public String name() {
    return "random";
  }

  @Override
  public Picker newPicker(List<Candidate> candidates, PickerContext context) {
    Candidate[] array = candidates.toArray(new Candidate[0]);
    int[] weights = Weights.of(candidates);
    if (Weights.allEqual(weights)) {
      return key -> array[rng.nextInt(array.length)];
    }
    int[] reduced = Weights.reduce(weights, Integer.MAX_VALUE);
    int[] cumulative = new int[reduced.length];
    int total = 0;
    for (int i = 0; i < reduced.length; i++) {
      total += reduced[i];
      cumulative[i] = total;
    }
    int sum = total;
    return key -> {
      int point = rng.nextInt(sum);
      int i = Arrays.binarySearch(cumulative, point + 1);
      return array[i >= 0 ? i : -i - 1];
    };
  }
}
