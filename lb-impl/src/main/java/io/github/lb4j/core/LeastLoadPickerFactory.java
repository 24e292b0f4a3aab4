package io.github.lb4j.core;

import io.github.lb4j.Candidate;
import io.github.lb4j.Picker;
import io.github.lb4j.PickerContext;
import io.github.lb4j.PickerFactory;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Least-connection and peak-EWMA: choose a candidate with a low load per unit of effective weight
 * ({@link Candidate#effectiveWeight()}, the weight times the warm-up share).
 *
 * <p><b>Least-connection</b> ({@link Mode#CONNECTIONS}): the load is the in-flight count. Up to
 * {@link #EXACT_SCAN_LIMIT} candidates the choice is exact: the lowest load, a tie broken among the
 * tied candidates in proportion to their weights (uniformly when the weights are equal). One 64-bit
 * draw per pick does it. Its first half probes a candidate drawn by weight, and an idle one is
 * taken without a scan: it is one of the lightest, and each idle candidate is probed in proportion
 * to its weight. Otherwise every candidate is compared, and the second half breaks a tie. When
 * every endpoint is idle (one call at a time, or plain {@code choose()}) each therefore gets its
 * share of the weight, as in nginx and Envoy, and a warming endpoint its reduced share. Above the
 * limit it samples two distinct candidates and takes the lighter one (power of two choices), the
 * first sampled in proportion to weight (an alias table when weights differ) so that a tie, which
 * goes to the first, again follows the weights; one 64-bit draw gives both samples.
 *
 * <p><b>Peak-EWMA</b> ({@link Mode#PEAK_EWMA}): Finagle's cost, the latency average ({@link
 * Candidate#latencyEwmaNanos}) times one more than the in-flight count. Always two choices, as in
 * Finagle, at every size: an exact scan over averages that all went stale at different times sends
 * every call to whichever looks cheapest, and herds. Two averages within {@link #LATENCY_TOLERANCE}
 * of each other are alike, and the candidate with fewer calls in flight per unit of weight wins
 * (least-connection over the pair): identical endpoints then share calls evenly even when their
 * averages, each holding its own recent peak, differ by noise. The clock is read once per pick, for
 * the two candidates compared. A failed call reaches the average as the balancer's failure penalty,
 * so a fast-failing endpoint looks slow. An endpoint with no latency sample yet costs nothing while
 * idle and a large penalty once it has a call in flight, so a newcomer gets one probe call rather
 * than a flood.
 *
 * <p>A retry or hedge ({@link Picker#pick(String, java.util.Set)}) keeps the usual choice when it
 * is allowed and otherwise compares every allowed candidate by the same load, so that its ties,
 * too, follow the weights and a peak-EWMA retry still avoids slow endpoints.
 *
 * <p>Weights are read once, when a picker is built (the balancer rebuilds it at each warm-up step).
 *
 * <p>Threading: the factory holds nothing but its mode and randomness; its pickers are immutable,
 * read the candidates' counters without locking, allocate nothing and never block, so any number of
 * threads may pick at once. Counters read during a pick may be stale when the pick returns.
 */
final class LeastLoadPickerFactory implements PickerFactory {
  /** The most candidates least-connection compares exactly; above it, two choices. */
  static final int EXACT_SCAN_LIMIT = 16;

  /**
   * Peak-EWMA treats two latency averages within this factor of each other as alike and lets the
   * in-flight counts decide: closer than that, the averages of identical endpoints differ by their
   * noise (each holds its own recent peak), and choosing by it sends most calls to whichever drew
   * the lowest peaks.
   */
  static final double LATENCY_TOLERANCE = 1.25;

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
    this.mode = Objects.requireNonNull(mode, "mode");
    this.rng = Objects.requireNonNull(rng, "rng");
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
    if (array.length == 1) {
      Candidate only = array[0];
      return key -> only;
    }
    double[] weights = Weights.exact(candidates);
    boolean equal = allEqual(weights);
    if (mode == Mode.PEAK_EWMA) {
      Objects.requireNonNull(context, "context");
      return equal
          ? new EwmaTwoChoices(array, context, rng)
          : new WeightedEwmaTwoChoices(array, weights, Alias.of(weights), context, rng);
    }
    if (array.length <= EXACT_SCAN_LIMIT) {
      return equal
          ? new Scan(array, rng)
          : new WeightedScan(array, weights, Alias.of(weights), rng);
    }
    return equal
        ? new TwoChoices(array, rng)
        : new WeightedTwoChoices(array, weights, Alias.of(weights), rng);
  }

  private static boolean allEqual(double[] weights) {
    for (double w : weights) {
      if (w != weights[0]) {
        return false;
      }
    }
    return true;
  }

  /** A uniform index in {@code [0, n)} other than {@code first}, from 32 random bits. */
  static int other(long bits32, int n, int first) {
    int j = Rng.index(bits32, n - 1);
    return j + ((first - j - 1) >>> 31); // j + 1 when j >= first, without a branch to mispredict
  }

  /**
   * The position of the {@code k}-th lowest set bit of {@code mask} (counting from 0), for masks of
   * up to 16 bits with more than {@code k} bits set: a binary search on bit counts, without a
   * branch that depends on {@code k}.
   */
  static int kthSetBit(int mask, int k) {
    int pos = 0;
    int c = Integer.bitCount(mask & 0xFF);
    int skip = (c - k - 1) >> 31; // all ones when the bit is not among these
    k -= c & skip;
    pos += 8 & skip;
    mask >>>= 8 & skip;
    c = Integer.bitCount(mask & 0xF);
    skip = (c - k - 1) >> 31;
    k -= c & skip;
    pos += 4 & skip;
    mask >>>= 4 & skip;
    c = Integer.bitCount(mask & 0x3);
    skip = (c - k - 1) >> 31;
    k -= c & skip;
    pos += 2 & skip;
    mask >>>= 2 & skip;
    skip = ((mask & 1) - k - 1) >> 31;
    return pos + (1 & skip);
  }

  /**
   * Finagle's peak-EWMA cost: the latency average times (in flight + 1); without a sample ({@code
   * latency == 0}), 0 while idle and {@link #NO_SAMPLE_PENALTY} plus the in-flight count when not.
   */
  static double cost(double latency, int inFlight) {
    if (latency == 0) {
      return inFlight == 0 ? 0 : NO_SAMPLE_PENALTY + inFlight;
    }
    return latency * (inFlight + 1);
  }

  /**
   * Whether two latency averages are too close to choose by: both sampled and neither more than
   * {@link #LATENCY_TOLERANCE} times the other.
   */
  static boolean alike(double a, double b) {
    return a != 0 && b != 0 && a <= b * LATENCY_TOLERANCE && b <= a * LATENCY_TOLERANCE;
  }

  // ---- retries

  /**
   * What every picker here shares: the choice for a retry or hedge ({@link Picker#pick(String,
   * Set)}). The usual pick is kept when it is allowed; otherwise every allowed candidate is
   * compared by the picker's load per unit of weight, a tie broken in proportion to weight, so that
   * a retry also breaks ties fairly and peak-EWMA retries still avoid slow endpoints. Off the
   * common path: it reads the clock once more and draws once per tie.
   */
  private interface LeastLoad extends Picker {
    Candidate[] candidates();

    /** The effective weights, or {@code null} when they are all equal (the default). */
    default double[] weights() {
      return null;
    }

    /**
     * The balancer's context for peak-EWMA (its recent time), or {@code null} for least-connection
     * (the default).
     */
    default PickerContext context() {
      return null;
    }

    Rng rng();

    @Override
    default Candidate pick(String key, Set<String> exclude) {
      Candidate chosen = pick(key);
      if (chosen != null && !exclude.contains(chosen.endpoint().id())) {
        return chosen;
      }
      return lightestAllowed(candidates(), weights(), context(), rng(), exclude);
    }
  }

  /** The allowed candidate with the lowest load per unit of weight; {@code null} if none. */
  static Candidate lightestAllowed(
      Candidate[] cs, double[] weights, PickerContext context, Rng rng, Set<String> exclude) {
    long now = context == null ? 0 : context.recentNanos();
    Candidate best = null;
    double bestLoad = Double.POSITIVE_INFINITY;
    double tieWeight = 0;
    for (int i = 0; i < cs.length; i++) {
      Candidate c = cs[i];
      if (exclude.contains(c.endpoint().id())) {
        continue;
      }
      double w = weights == null ? 1 : weights[i];
      int inFlight = c.inFlight();
      double load = (context == null ? inFlight : cost(c.latencyEwmaNanos(now), inFlight)) / w;
      if (best == null || load < bestLoad) {
        best = c;
        bestLoad = load;
        tieWeight = w;
      } else if (load == bestLoad) {
        tieWeight += w;
        if (rng.nextDouble() * tieWeight < w) {
          best = c; // weighted reservoir sampling: each tie wins by its share of the weight
        }
      }
    }
    return best;
  }

  // ---- least-connection

  /**
   * Equal weights, up to {@link #EXACT_SCAN_LIMIT}. One draw per pick: its high half probes a
   * random candidate, and an idle one is taken at once, being one of the lightest and, among the
   * idle, uniform; otherwise the scan finds the lowest in-flight count and the low half breaks a
   * tie uniformly. The tied candidates are remembered as bits of an int, so no second read of a
   * count can disagree with the first.
   */
  // The arrays are this picker's private snapshot: never exposed, compared or hashed, read on the
  // pick path through the record's final fields.
  @SuppressWarnings("ArrayRecordComponent")
  private record Scan(Candidate[] candidates, Rng rng) implements LeastLoad {
    @Override
    public Candidate pick(String key) {
      Candidate[] cs = candidates;
      long bits = rng.nextLong();
      Candidate probe = cs[Rng.index(Rng.high(bits), cs.length)];
      if (probe.inFlight() == 0) {
        return probe;
      }
      int best = cs[0].inFlight();
      int ties = 1;
      for (int i = 1; i < cs.length; i++) {
        int load = cs[i].inFlight();
        if (load < best) {
          best = load;
          ties = 1 << i;
        } else if (load == best) {
          ties |= 1 << i;
        }
      }
      if ((ties & (ties - 1)) == 0) {
        return cs[Integer.numberOfTrailingZeros(ties)];
      }
      int count = Integer.bitCount(ties);
      int k = Rng.index(Rng.low(bits), count);
      return cs[count == cs.length ? k : kthSetBit(ties, k)];
    }
  }

  /**
   * Weights that differ (or warm-up), up to {@link #EXACT_SCAN_LIMIT}: as {@link Scan}, with the
   * probe drawn in proportion to weight, the load per unit of weight, and a tie broken in
   * proportion to the tied weights. Loads are compared by cross-multiplying, exact for integer
   * weights, so equal ratios always tie.
   */
  // The arrays are this picker's private snapshot: never exposed, compared or hashed, read on the
  // pick path through the record's final fields.
  @SuppressWarnings("ArrayRecordComponent")
  private record WeightedScan(Candidate[] candidates, double[] weights, Alias alias, Rng rng)
      implements LeastLoad {
    @Override
    public Candidate pick(String key) {
      Candidate[] cs = candidates;
      long bits = rng.nextLong();
      Candidate probe = cs[alias.sample(Rng.high(bits))];
      if (probe.inFlight() == 0) {
        return probe;
      }
      double[] ws = weights;
      double bestInFlight = cs[0].inFlight();
      double bestWeight = ws[0];
      double tieWeight = bestWeight;
      int ties = 1;
      for (int i = 1; i < cs.length; i++) {
        double inFlight = cs[i].inFlight();
        double w = ws[i];
        double lhs = inFlight * bestWeight;
        double rhs = bestInFlight * w;
        if (lhs < rhs) {
          bestInFlight = inFlight;
          bestWeight = w;
          tieWeight = w;
          ties = 1 << i;
        } else if (lhs == rhs) {
          tieWeight += w;
          ties |= 1 << i;
        }
      }
      if ((ties & (ties - 1)) == 0) {
        return cs[Integer.numberOfTrailingZeros(ties)];
      }
      double point = Rng.low(bits) * 0x1.0p-32 * tieWeight;
      int i;
      do {
        i = Integer.numberOfTrailingZeros(ties);
        point -= ws[i];
        ties &= ties - 1;
      } while (point >= 0 && ties != 0); // the last tie takes any rounding left over
      return cs[i];
    }
  }

  /** Equal weights, above {@link #EXACT_SCAN_LIMIT}: two distinct uniform samples, lighter wins. */
  // The arrays are this picker's private snapshot: never exposed, compared or hashed, read on the
  // pick path through the record's final fields.
  @SuppressWarnings("ArrayRecordComponent")
  private record TwoChoices(Candidate[] candidates, Rng rng) implements LeastLoad {
    @Override
    public Candidate pick(String key) {
      Candidate[] cs = candidates;
      long bits = rng.nextLong();
      int i = Rng.index(Rng.high(bits), cs.length);
      Candidate a = cs[i];
      Candidate b = cs[other(Rng.low(bits), cs.length, i)];
      return b.inFlight() < a.inFlight() ? b : a; // a tie goes to a, itself a uniform choice
    }
  }

  /**
   * Weights that differ, above {@link #EXACT_SCAN_LIMIT}: the first sample in proportion to weight,
   * the second uniform among the others; the lower load per unit of weight wins, a tie the first.
   */
  // The arrays are this picker's private snapshot: never exposed, compared or hashed, read on the
  // pick path through the record's final fields.
  @SuppressWarnings("ArrayRecordComponent")
  private record WeightedTwoChoices(Candidate[] candidates, double[] weights, Alias alias, Rng rng)
      implements LeastLoad {
    @Override
    public Candidate pick(String key) {
      Candidate[] cs = candidates;
      long bits = rng.nextLong();
      int i = alias.sample(Rng.high(bits));
      int j = other(Rng.low(bits), cs.length, i);
      return (double) cs[j].inFlight() * weights[i] < (double) cs[i].inFlight() * weights[j]
          ? cs[j]
          : cs[i];
    }
  }

  // ---- peak-EWMA

  /**
   * Equal weights: two distinct uniform samples, no clock read; with alike latencies the one with
   * fewer calls in flight wins, otherwise the lower cost; a tie goes to the first sample.
   */
  // The arrays are this picker's private snapshot: never exposed, compared or hashed, read on the
  // pick path through the record's final fields.
  @SuppressWarnings("ArrayRecordComponent")
  private record EwmaTwoChoices(Candidate[] candidates, PickerContext context, Rng rng)
      implements LeastLoad {
    @Override
    public Candidate pick(String key) {
      Candidate[] cs = candidates;
      long bits = rng.nextLong();
      int i = Rng.index(Rng.high(bits), cs.length);
      Candidate a = cs[i];
      Candidate b = cs[other(Rng.low(bits), cs.length, i)];
      long now = context.recentNanos(); // no clock read: the balancer's last one, within 1 ms
      double la = a.latencyEwmaNanos(now);
      double lb = b.latencyEwmaNanos(now);
      int ka = a.inFlight();
      int kb = b.inFlight();
      if (alike(la, lb)) {
        return kb < ka ? b : a;
      }
      return cost(lb, kb) < cost(la, ka) ? b : a;
    }
  }

  /**
   * Weights that differ: the first sample by weight, the second uniform among the others; as {@link
   * EwmaTwoChoices} with in-flight counts and costs per unit of weight.
   */
  // The arrays are this picker's private snapshot: never exposed, compared or hashed, read on the
  // pick path through the record's final fields.
  @SuppressWarnings("ArrayRecordComponent")
  private record WeightedEwmaTwoChoices(
      Candidate[] candidates, double[] weights, Alias alias, PickerContext context, Rng rng)
      implements LeastLoad {
    @Override
    public Candidate pick(String key) {
      Candidate[] cs = candidates;
      long bits = rng.nextLong();
      int i = alias.sample(Rng.high(bits));
      int j = other(Rng.low(bits), cs.length, i);
      Candidate a = cs[i];
      Candidate b = cs[j];
      long now = context.recentNanos(); // no clock read: the balancer's last one, within 1 ms
      double la = a.latencyEwmaNanos(now);
      double lb = b.latencyEwmaNanos(now);
      int ka = a.inFlight();
      int kb = b.inFlight();
      double wa = weights[i];
      double wb = weights[j];
      if (alike(la, lb)) {
        return kb * wa < ka * wb ? b : a;
      }
      return cost(lb, kb) * wa < cost(la, ka) * wb ? b : a;
    }
  }

  /**
   * Vose's alias table: an index drawn in proportion to weight from 32 random bits, in constant
   * time. The bits pick a column by multiplying and shifting; the remainder of that product, again
   * uniform, decides between the column and its alias. Immutable.
   */
  static final class Alias {
    /** Per column, the remainder below which the column itself is chosen, out of {@code 2^32}. */
    private final long[] threshold;

    private final int[] alias;

    private Alias(long[] threshold, int[] alias) {
      this.threshold = threshold;
      this.alias = alias;
    }

    static Alias of(double[] weights) {
      int n = weights.length;
      double total = 0;
      for (double w : weights) {
        total += w;
      }
      double[] scaled = new double[n];
      int[] small = new int[n];
      int[] large = new int[n];
      int smalls = 0;
      int larges = 0;
      for (int i = 0; i < n; i++) {
        scaled[i] = weights[i] * n / total;
        if (scaled[i] < 1) {
          small[smalls++] = i;
        } else {
          large[larges++] = i;
        }
      }
      long[] threshold = new long[n];
      int[] alias = new int[n];
      while (smalls > 0 && larges > 0) {
        int s = small[--smalls];
        int l = large[--larges];
        threshold[s] = Math.round(scaled[s] * 0x1.0p32);
        alias[s] = l;
        scaled[l] = scaled[l] + scaled[s] - 1;
        if (scaled[l] < 1) {
          small[smalls++] = l;
        } else {
          large[larges++] = l;
        }
      }
      // What is left is 1 up to rounding: those columns always choose themselves.
      while (larges > 0) {
        threshold[large[--larges]] = 1L << 32;
      }
      while (smalls > 0) {
        threshold[small[--smalls]] = 1L << 32;
      }
      return new Alias(threshold, alias);
    }

    /** An index in proportion to weight, from 32 random bits ({@code [0, 2^32)}). */
    int sample(long bits32) {
      long product = bits32 * threshold.length;
      int column = (int) (product >>> 32);
      return (product & 0xFFFF_FFFFL) < threshold[column] ? column : alias[column];
    }
  }
}
