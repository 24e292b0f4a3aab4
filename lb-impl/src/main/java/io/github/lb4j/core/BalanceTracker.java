package io.github.lb4j.core;

import io.github.lb4j.BalanceQuality;
import io.github.lb4j.Candidate;
import io.github.lb4j.EndpointState;
import io.github.lb4j.Picker;
import io.github.lb4j.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.OptionalDouble;

/**
 * Computes a balancer's live balance numbers ({@link BalanceQuality}), entirely off the pick path:
 * picks are counted per endpoint by {@code acquire()}, windows are rotated when a snapshot is
 * taken, and remapped keys are measured lazily: the writer only remembers the hashing pickers on
 * either side of the last change, and the next snapshot compares them. A burst of membership
 * changes therefore costs nothing extra until someone looks.
 *
 * <p>Threading: {@link #onRebuild} runs under the balancer's lock; {@link #snapshot} may run on any
 * thread. Both synchronize on this object.
 */
final class BalanceTracker {
  /** Keys whose mapping is compared across a change; fixed, so the measure is repeatable. */
  private static final String[] SAMPLE_KEYS = new String[2048];

  static {
    for (int i = 0; i < SAMPLE_KEYS.length; i++) {
      SAMPLE_KEYS[i] = "lb4j-sample-" + i;
    }
  }

  private final Ticker ticker;
  private final Duration window;
  private final long windowNanos;
  // The last measured share, and the pickers of a change not measured yet. Guarded by this.
  private double remappedShare = Double.NaN;
  private AffinityPicker unmeasuredBefore;
  private AffinityPicker unmeasuredAfter;

  // Pick counters at the start of the previous and of the current window, keyed by slot identity
  // so that an endpoint removed and added again starts from zero. Guarded by this.
  private IdentityHashMap<EndpointSlot, Long> older = new IdentityHashMap<>();
  private IdentityHashMap<EndpointSlot, Long> newer = new IdentityHashMap<>();
  private long newerStart;

  BalanceTracker(Ticker ticker, Duration window) {
    this.ticker = ticker;
    this.window = window;
    this.windowNanos = window.toNanos();
    this.newerStart = ticker.read();
  }

  /**
   * Called by the writer with the available candidates and pickers before and after a rebuild;
   * measures remapped keys when the available set changed under a hashing picker.
   */
  synchronized void onRebuild(
      List<Candidate> before, Picker beforePicker, List<Candidate> after, Picker afterPicker) {
    if (!(beforePicker instanceof AffinityPicker old)
        || !(afterPicker instanceof AffinityPicker now)
        || sameMembers(before, after)) {
      return;
    }
    // Keep the oldest unmeasured side: several changes between two snapshots count as one.
    if (unmeasuredBefore == null) {
      unmeasuredBefore = old;
    }
    unmeasuredAfter = now;
  }

  private double measureRemapped() {
    if (unmeasuredBefore != null) {
      int moved = 0;
      for (String key : SAMPLE_KEYS) {
        if (unmeasuredBefore.home(key) != unmeasuredAfter.home(key)) {
          moved++;
        }
      }
      remappedShare = (double) moved / SAMPLE_KEYS.length;
      unmeasuredBefore = null;
      unmeasuredAfter = null;
    }
    return remappedShare;
  }

  private static boolean sameMembers(List<Candidate> a, List<Candidate> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (a.get(i) != b.get(i)) {
        return false;
      }
    }
    return true;
  }

  /** The endpoints' states with their recent shares, and the balance numbers, as of now. */
  synchronized Result snapshot(Collection<EndpointSlot> slots) {
    long now = ticker.read();
    if (now - newerStart >= windowNanos) {
      older = newer;
      newer = counters(slots);
      newerStart = now;
    }
    long[] recent = new long[slots.size()];
    long total = 0;
    long maxRecent = 0;
    int totalInFlight = 0;
    int maxInFlight = 0;
    int i = 0;
    for (EndpointSlot slot : slots) {
      recent[i] = slot.picks() - older.getOrDefault(slot, 0L);
      total += recent[i];
      maxRecent = Math.max(maxRecent, recent[i]);
      int load = slot.inFlight();
      totalInFlight += load;
      maxInFlight = Math.max(maxInFlight, load);
      i++;
    }
    List<EndpointState> states = new ArrayList<>(slots.size());
    i = 0;
    for (EndpointSlot slot : slots) {
      states.add(slot.state(total == 0 ? 0 : (double) recent[i++] / total, now));
    }
    int n = slots.size();
    double share = measureRemapped();
    BalanceQuality quality =
        new BalanceQuality(
            window,
            total,
            total == 0 ? 0 : maxRecent / ((double) total / n),
            totalInFlight == 0 ? 0 : maxInFlight / ((double) totalInFlight / n),
            Double.isNaN(share) ? OptionalDouble.empty() : OptionalDouble.of(share));
    return new Result(states, quality);
  }

  private static IdentityHashMap<EndpointSlot, Long> counters(Collection<EndpointSlot> slots) {
    IdentityHashMap<EndpointSlot, Long> counters = new IdentityHashMap<>();
    for (EndpointSlot slot : slots) {
      counters.put(slot, slot.picks());
    }
    return counters;
  }

  record Result(List<EndpointState> states, BalanceQuality quality) {}
}
