package io.github.lb4j.core;

import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;

/**
 * The statistical outlier rules of Envoy and gRPC (gRFC A50), run once per interval over the calls
 * each endpoint completed in it: <b>success rate</b> (an endpoint whose success rate is below the
 * mean of the others' by more than {@code stdevFactor} standard deviations) and <b>failure
 * percentage</b> (an endpoint failing at least {@code threshold} percent of its calls).
 *
 * <p>Each rule looks only at endpoints with at least its request volume in the interval, and only
 * runs when enough endpoints qualify (success rate: {@code minimumHosts} endpoints with that
 * volume; failure percentage: {@code minimumHosts} members). An endpoint a rule finds is ejected
 * with the rule's enforcement percentage as probability (one draw from the seeded randomness per
 * finding); the ejection goes through the balancer's one health owner ({@link
 * DefaultBalancer#eject}), which refuses it when the most endpoints allowed are ejected already.
 * Success rate runs first, then failure percentage, as in A50.
 *
 * <p>Counts per interval are differences of each slot's cumulative success and failure counters, so
 * the call path does nothing for these rules; calls closed without a report count as neither.
 *
 * <p>Threading: {@link #sweep} runs on the detector's scheduler, one sweep at a time (each
 * schedules the next); the baseline map is touched only there.
 */
final class OutlierSweep {
  /** The success-rate rule's settings (gRFC A50 {@code success_rate_ejection}). */
  record SuccessRate(
      double stdevFactor, int enforcementPercentage, int minimumHosts, int requestVolume) {}

  /** The failure-percentage rule's settings (gRFC A50 {@code failure_percentage_ejection}). */
  record FailurePercentage(
      int threshold, int enforcementPercentage, int minimumHosts, int requestVolume) {}

  /** Where a finding goes: the detector ejects through the balancer. */
  interface Ejector {
    void eject(EndpointSlot slot, String why);
  }

  private final SuccessRate successRate;
  private final FailurePercentage failurePercentage;
  private final Rng rng;
  // Each slot's cumulative {successes, failures} at the previous sweep, by slot identity.
  private IdentityHashMap<EndpointSlot, long[]> baseline = new IdentityHashMap<>();

  /** Either rule may be {@code null} (off), not both. */
  OutlierSweep(SuccessRate successRate, FailurePercentage failurePercentage, Rng rng) {
    this.successRate = successRate;
    this.failurePercentage = failurePercentage;
    this.rng = rng;
  }

  /** One endpoint's calls in the interval. */
  private record Volume(EndpointSlot slot, long successes, long failures) {
    long total() {
      return successes + failures;
    }

    double successRate() {
      return (double) successes / total();
    }
  }

  /** Counts the interval's calls of {@code members} and ejects the outliers the rules find. */
  void sweep(Collection<EndpointSlot> members, Ejector ejector) {
    List<Volume> volumes = new ArrayList<>(members.size());
    IdentityHashMap<EndpointSlot, long[]> next = new IdentityHashMap<>(members.size() * 2);
    for (EndpointSlot slot : members) {
      long successes = slot.successes();
      long failures = slot.failures();
      long[] before = baseline.getOrDefault(slot, new long[2]);
      next.put(slot, new long[] {successes, failures});
      volumes.add(
          new Volume(slot, Math.max(0, successes - before[0]), Math.max(0, failures - before[1])));
    }
    baseline = next;
    if (successRate != null) {
      successRate(volumes, ejector);
    }
    if (failurePercentage != null) {
      failurePercentage(volumes, ejector);
    }
  }

  private void successRate(List<Volume> volumes, Ejector ejector) {
    SuccessRate rule = successRate;
    List<Volume> qualified = new ArrayList<>();
    for (Volume v : volumes) {
      if (v.total() >= rule.requestVolume()) {
        qualified.add(v);
      }
    }
    if (qualified.isEmpty() || qualified.size() < rule.minimumHosts()) {
      return;
    }
    double sum = 0;
    for (Volume v : qualified) {
      sum += v.successRate();
    }
    double mean = sum / qualified.size();
    double squares = 0;
    for (Volume v : qualified) {
      double d = v.successRate() - mean;
      squares += d * d;
    }
    double stdev = Math.sqrt(squares / qualified.size());
    double threshold = mean - stdev * rule.stdevFactor();
    for (Volume v : qualified) {
      if (v.successRate() < threshold && enforced(rule.enforcementPercentage())) {
        ejector.eject(
            v.slot(),
            String.format(
                Locale.ROOT,
                "success rate %.3f over %d calls, below %.3f (mean %.3f - %.2f x stdev %.3f of %d"
                    + " endpoints)",
                v.successRate(),
                v.total(),
                threshold,
                mean,
                rule.stdevFactor(),
                stdev,
                qualified.size()));
      }
    }
  }

  private void failurePercentage(List<Volume> volumes, Ejector ejector) {
    FailurePercentage rule = failurePercentage;
    if (volumes.size() < rule.minimumHosts()) {
      return;
    }
    for (Volume v : volumes) {
      if (v.total() < rule.requestVolume() || v.total() == 0) {
        continue;
      }
      double percent = 100.0 * v.failures() / v.total();
      if (percent >= rule.threshold() && enforced(rule.enforcementPercentage())) {
        ejector.eject(
            v.slot(),
            String.format(
                Locale.ROOT,
                "%d of %d calls failed (%.1f%%, at least %d%%)",
                v.failures(),
                v.total(),
                percent,
                rule.threshold()));
      }
    }
  }

  /** Whether a finding is acted on: a draw in {@code [0, 100)} below the percentage. */
  private boolean enforced(int percentage) {
    return rng.nextInt(100) < percentage;
  }
}
