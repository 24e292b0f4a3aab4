package io.github.lb4j.core;

import io.github.lb4j.Candidate;
import io.github.lb4j.Picker;
import io.github.lb4j.PickerContext;
import io.github.lb4j.PickerFactory;
import io.github.lb4j.Ticker;
import java.util.List;

/**
 * Least-connection and peak-EWMA: choose the candidate with the lowest load per unit of weight.
 *
 * <p>Load is the in-flight count ({@link Mode#CONNECTIONS}), or Finagle's peak-EWMA cost: the
 * latency average times one more than the in-flight count ({@link Mode#PEAK_EWMA}). An endpoint
 * with no latency sample yet costs nothing while idle and a large penalty once it has a call in
 * flight, so a newcomer gets one probe call rather than a flood.
 *
 * <p>Weights are read when the picker is built and include the warm-up factor: a warming endpoint's
 * load is divided by its share, so that it does not draw every call while it looks idle. While any
 * endpoint warms up, ties are broken in proportion to the weights instead of uniformly, so that at
 * low concurrency (every endpoint idle) the warming endpoint also gets only its share; this variant
 * is built only then, so the usual pickers stay as they are.
 *
 * <p>Up to {@link #EXACT_SCAN_LIMIT} candidates are all compared, starting from a random one so that
 * ties spread (one random draw per pick, no allocation); beyond that two distinct candidates are sampled and the lighter one
 * wins (power of two choices), which keeps the cost constant at any size.
 */
final class LeastLoadPickerFactory implements PickerFactory {
  static final int EXACT_SCAN_LIMIT = 16;
  /** Finagle's penalty for a busy endpoint without a latency sample. */
  static final double NO_SAMPLE_PENALTY = (double) (Long.MAX_VALUE >> 16);

  enum Mode {
    CONNECTIONS("least-connection"),
    PEAK_EWMA("peak-ewma");

    final String pickerName;

    Mode(String pickerName) {
      this.pickerName = pickerName;
    }
  }

  private final Mode mode;
  private final Rng rng;

  LeastLoadPickerFactory(Mode mode, Rng rng) {
    this.mode = mode;
    this.rng = rng;
  }

  @Override
  public String name() {
    return mode.pickerName;
  }

  @Override
  public boolean usesLatency() {
    return mode == Mode.PEAK_EWMA;
  }

  @Override
  public Picker newPicker(List<Candidate> candidates, PickerContext context) {
    Candidate[] array = candidates.toArray(new Candidate[0]);
    double[] weights = Weights.exact(candidates);
    // Least-connection reads no clock: a null ticker stands for "no latency".
    Ticker ticker = mode == Mode.PEAK_EWMA ? context.ticker() : null;
    if (Weights.anyWarming(candidates)) {
      return new Warming(array, weights, ticker, rng);
    }
    return array.length <= EXACT_SCAN_LIMIT
        ? new ExactScan(array, weights, ticker, rng)
        : new TwoChoices(array, weights, ticker, rng);
  }

  /** The clock reading a pick decides with, read once per pick; 0 for least-connection. */
  static long now(Ticker ticker) {
    return ticker == null ? 0 : ticker.read();
  }

  /**
   * The load of {@code c} per unit of {@code weight} at {@code now}: in-flight calls, or with {@code
   * ewma} the peak-EWMA cost.
   */
  static double load(Candidate c, double weight, boolean ewma, long now) {
    int inFlight = c.inFlight();
    if (!ewma) {
      return inFlight / weight;
    }
    double latency = c.latencyEwmaNanos(now);
    double cost =
        latency == 0 ? (inFlight == 0 ? 0 : NO_SAMPLE_PENALTY + inFlight) : latency * (inFlight + 1);
    return cost / weight;
  }

  /** A uniform index in {@code [0, n)} other than {@code first}: two distinct samples. */
  static int secondSample(Rng rng, int n, int first) {
    int j = rng.nextInt(n - 1);
    return j >= first ? j + 1 : j;
  }

  private record ExactScan(Candidate[] candidates, double[] weights, Ticker ticker, Rng rng)
      implements Picker {
    @Override
    public Candidate pick(String key) {
      // One random draw per pick: scan circularly from a random start and keep the first of the
      // lightest. With every endpoint idle (plain choose()) that is a uniform choice; drawing per
      // tie instead cost a random number per endpoint.
      boolean ewma = ticker != null;
      long now = now(ticker);
      int n = candidates.length;
      int start = rng.nextInt(n);
      int best = start;
      double bestLoad = load(candidates[start], weights[start], ewma, now);
      for (int step = 1; step < n; step++) {
        int i = start + step < n ? start + step : start + step - n;
        double load = load(candidates[i], weights[i], ewma, now);
        if (load < bestLoad) {
          best = i;
          bestLoad = load;
        }
      }
      return candidates[best];
    }
  }

  private record TwoChoices(Candidate[] candidates, double[] weights, Ticker ticker, Rng rng)
      implements Picker {
    @Override
    public Candidate pick(String key) {
      boolean ewma = ticker != null;
      long now = now(ticker);
      int i = rng.nextInt(candidates.length);
      int j = secondSample(rng, candidates.length, i);
      Candidate a = candidates[i];
      Candidate b = candidates[j];
      return load(b, weights[j], ewma, now) < load(a, weights[i], ewma, now) ? b : a;
    }
  }

  /** Either strategy while an endpoint warms up: ties go to each candidate by its weight. */
  private record Warming(Candidate[] candidates, double[] weights, Ticker ticker, Rng rng)
      implements Picker {
    @Override
    public Candidate pick(String key) {
      boolean ewma = ticker != null;
      long now = now(ticker);
      int n = candidates.length;
      if (n > EXACT_SCAN_LIMIT) {
        int i = rng.nextInt(n);
        int j = secondSample(rng, n, i);
        double a = load(candidates[i], weights[i], ewma, now);
        double b = load(candidates[j], weights[j], ewma, now);
        if (a == b) {
          return rng.nextDouble() * (weights[i] + weights[j]) < weights[j]
              ? candidates[j]
              : candidates[i];
        }
        return b < a ? candidates[j] : candidates[i];
      }
      int best = 0;
      double bestLoad = load(candidates[0], weights[0], ewma, now);
      double tieWeight = weights[0];
      for (int i = 1; i < n; i++) {
        double load = load(candidates[i], weights[i], ewma, now);
        if (load < bestLoad) {
          best = i;
          bestLoad = load;
          tieWeight = weights[i];
        } else if (load == bestLoad) {
          tieWeight += weights[i];
          if (rng.nextDouble() * tieWeight < weights[i]) {
            best = i; // weighted reservoir sampling: each tie wins by its share of the weight
          }
        }
      }
      return candidates[best];
    }
  }
}
