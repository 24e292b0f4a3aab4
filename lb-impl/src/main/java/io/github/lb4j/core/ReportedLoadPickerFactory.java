package io.github.lb4j.core;

import io.github.lb4j.Candidate;
import io.github.lb4j.LoadReport;
import io.github.lb4j.Picker;
import io.github.lb4j.PickerContext;
import io.github.lb4j.PickerFactory;
import java.time.Duration;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;

/**
 * Weighted round-robin on the load the endpoints report (gRPC's {@code weighted_round_robin}, gRFC
 * A58): an endpoint's weight is {@code qps / (utilization + eps / qps × errorUtilizationPenalty)}
 * from its latest {@link LoadReport}, so an endpoint that serves more per unit of load gets more
 * calls. Utilization is the largest of the configured named metrics when the report has any of
 * them, else {@code application_utilization} when it is above zero, else {@code cpu_utilization}; a
 * report without utilization or without requests gives no weight.
 *
 * <p><b>When weights count.</b> An endpoint's weight is used only once it has reported for the
 * blackout period without a gap longer than the expiration period, which keeps a new or returning
 * endpoint's first reports (taken before it saw real traffic) from steering; it stops being used
 * when no report came for the expiration period, and the blackout starts again with the next one.
 * An endpoint that leaves the available set (removed, unhealthy, ejected) loses its history, and a
 * report it sent before it came back does not count. While fewer than two candidates have a weight,
 * the picker is least-connection's; otherwise candidates without a weight get the mean weight of
 * those with one. Weights are multiplied by the warm-up share.
 *
 * <p><b>Off the pick path.</b> Reports are only stored when they arrive (one volatile write on the
 * endpoint's slot). The balancer rebuilds the picker every weight update period ({@link
 * #rebuildPeriod()}); each rebuild reads every candidate's latest report once, stamps a new one
 * with the rebuild's time (so report times have the period's resolution and the response path reads
 * no clock), and turns the weights into a cycle in which each endpoint appears in proportion to its
 * weight, evenly spread: the entries of weight {@code w} sit at {@code (k + 1/2) / w} for {@code k
 * < w}, sorted (earliest deadline first, as gRPC's scheduler, computed once). Weights are rounded
 * to integers with {@value #RESOLUTION} steps per endpoint, at most {@value #CYCLE_BUDGET} entries
 * in all, and divided by their greatest common divisor; when the rounded weights and the candidates
 * are unchanged the previous picker is kept. Picking is round-robin's weighted pick: one shared
 * counter and one array read, no lock, no allocation. The counter belongs to this factory, so the
 * rotation continues across rebuilds.
 *
 * <p>Threading: {@link #newPicker} runs on the balancer's writer (never concurrently with itself)
 * and alone touches the per-candidate history; pickers are immutable and used by any thread.
 */
final class ReportedLoadPickerFactory implements PickerFactory {
  /** Integer steps of weight per endpoint when weights are rounded. */
  static final int RESOLUTION = 1000;

  /** The most entries in a cycle (before the gcd reduction): 256 KB of references at most. */
  static final int CYCLE_BUDGET = 1 << 16;

  private static final long NEVER = Long.MIN_VALUE;

  private final long blackoutNanos;
  private final long expirationNanos;
  private final Duration updatePeriod;
  private final double errorUtilizationPenalty;
  private final String[] utilizationMetrics;
  private final LeastLoadPickerFactory fallback;
  // A counter per stripe of threads: weights are shares, so no order across threads is owed, and
  // two threads picking at once do not contend on one counter.
  private final CyclePosition position = CyclePosition.striped();

  // Written by newPicker only (the balancer's single writer).
  private IdentityHashMap<Candidate, History> histories = new IdentityHashMap<>();
  private Candidate[] lastCandidates;
  private int[] lastWeights;
  private Picker lastPicker;

  ReportedLoadPickerFactory(
      Duration blackout,
      Duration expiration,
      Duration updatePeriod,
      double errorUtilizationPenalty,
      String[] utilizationMetrics,
      Rng rng) {
    this.blackoutNanos = blackout.toNanos();
    this.expirationNanos = expiration.toNanos();
    this.updatePeriod = updatePeriod;
    this.errorUtilizationPenalty = errorUtilizationPenalty;
    this.utilizationMetrics = utilizationMetrics.clone();
    this.fallback = new LeastLoadPickerFactory(LeastLoadPickerFactory.Mode.CONNECTIONS, rng);
  }

  @Override
  public String name() {
    return "reported-load";
  }

  @Override
  public Duration rebuildPeriod() {
    return updatePeriod;
  }

  /**
   * The weight a report gives: {@code qps / (utilization + eps / qps × penalty)}, or 0 when it has
   * no requests or no utilization.
   */
  double weightOf(LoadReport report) {
    double qps = report.rps();
    double utilization = utilization(report);
    if (qps <= 0 || utilization <= 0) {
      return 0;
    }
    double weight = qps / (utilization + report.eps() / qps * errorUtilizationPenalty);
    return Double.isFinite(weight) ? weight : 0;
  }

  private double utilization(LoadReport report) {
    double named = -1;
    for (String metric : utilizationMetrics) {
      named = Math.max(named, report.namedMetric(metric));
    }
    if (named >= 0) {
      return named;
    }
    return report.applicationUtilization() > 0
        ? report.applicationUtilization()
        : report.cpuUtilization();
  }

  @Override
  public Picker newPicker(List<Candidate> candidates, PickerContext context) {
    long now = context.ticker().read();
    Candidate[] array = candidates.toArray(new Candidate[0]);
    IdentityHashMap<Candidate, History> next = new IdentityHashMap<>(array.length * 2);
    double[] weights = new double[array.length];
    double sum = 0;
    int weighted = 0;
    for (int i = 0; i < array.length; i++) {
      Candidate c = array[i];
      History h = histories.get(c);
      if (h == null) {
        h = new History(c.loadReport()); // a report from before it became available is old
      } else {
        h.observe(c.loadReport(), now);
      }
      next.put(c, h);
      weights[i] = h.weight(now);
      if (weights[i] > 0) {
        sum += weights[i];
        weighted++;
      }
    }
    histories = next;
    if (weighted < 2) {
      lastCandidates = null;
      return fallback.newPicker(candidates, context);
    }
    double mean = sum / weighted;
    for (int i = 0; i < array.length; i++) {
      weights[i] = (weights[i] > 0 ? weights[i] : mean) * Weights.warmUpFactor(array[i]);
    }
    int[] rounded = round(weights);
    if (lastPicker != null
        && Arrays.equals(array, lastCandidates)
        && Arrays.equals(rounded, lastWeights)) {
      return lastPicker;
    }
    lastCandidates = array;
    lastWeights = rounded;
    lastPicker = new RoundRobinPickerFactory.Smooth(array, cycle(rounded), position);
    return lastPicker;
  }

  /**
   * The weights as integers: {@link #RESOLUTION} steps per endpoint (at most {@link #CYCLE_BUDGET}
   * in all), each at least 1, divided by their greatest common divisor.
   */
  static int[] round(double[] weights) {
    double total = Weights.sum(weights);
    double steps = Math.min(CYCLE_BUDGET, (double) RESOLUTION * weights.length);
    int[] rounded = new int[weights.length];
    for (int i = 0; i < weights.length; i++) {
      rounded[i] = (int) Math.max(1, Math.round(weights[i] / total * steps));
    }
    return Weights.reduce(rounded, Long.MAX_VALUE);
  }

  /**
   * A cycle in which candidate {@code i} appears {@code weights[i]} times, evenly spaced: its
   * {@code k}-th entry is due at {@code (k + 1/2) / weights[i]}, and the cycle lists entries by due
   * time (ties by index). One sort of packed {@code long}s: the due time in the high bits, the
   * index in the low {@value #INDEX_BITS}.
   */
  static int[] cycle(int[] weights) {
    long total = Weights.sum(weights);
    long[] entries = new long[(int) total];
    int e = 0;
    for (int i = 0; i < weights.length; i++) {
      double w = weights[i];
      for (int k = 0; k < weights[i]; k++) {
        long due = (long) ((k + 0.5) / w * DUE_SCALE);
        entries[e++] = due << INDEX_BITS | i;
      }
    }
    Arrays.sort(entries);
    int[] cycle = new int[entries.length];
    for (int j = 0; j < entries.length; j++) {
      cycle[j] = (int) (entries[j] & INDEX_MASK);
    }
    return cycle;
  }

  private static final int INDEX_BITS = 24;
  private static final long INDEX_MASK = (1L << INDEX_BITS) - 1;
  private static final double DUE_SCALE = 0x1.0p38; // due times in (0, 1): 38 bits + 24 bits

  /**
   * One candidate's reports as this factory has seen them: gRPC's {@code non_empty_since} and
   * {@code last_updated}, stamped with rebuild times.
   */
  private final class History {
    private LoadReport seen;
    private double weight;
    private long nonEmptySince = NEVER;
    private long lastUpdated = NEVER;

    History(LoadReport seen) {
      this.seen = seen;
    }

    /** Takes a new report (a different object from the last one seen) as of {@code now}. */
    // Reports are told apart by identity: every report handed in is a new object, and two equal
    // reports in a row are still two reports (the endpoint is alive and reporting).
    @SuppressWarnings("ReferenceEquality")
    void observe(LoadReport report, long now) {
      if (report == seen || report == null) {
        return;
      }
      seen = report;
      double w = weightOf(report);
      if (w <= 0) {
        return; // no weight in it: neither starts nor extends a run of reports
      }
      if (nonEmptySince == NEVER) {
        nonEmptySince = now;
      }
      lastUpdated = now;
      weight = w;
    }

    /** The weight to use now: 0 before any report, during the blackout and once expired. */
    double weight(long now) {
      if (nonEmptySince == NEVER) {
        return 0;
      }
      if (now - lastUpdated >= expirationNanos) {
        nonEmptySince = NEVER; // the next report starts a new blackout
        return 0;
      }
      if (now - nonEmptySince < blackoutNanos) {
        return 0;
      }
      return weight;
    }
  }
}
