package io.github.lb4j.core;

import io.github.lb4j.Candidate;
import io.github.lb4j.Endpoint;
import io.github.lb4j.Picker;
import io.github.lb4j.PickerContext;
import io.github.lb4j.PickerFactory;
import io.github.lb4j.ReservingPicker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Priority tiers and zone-aware routing around an inner strategy; see {@link LocalityBuilder} for
 * the rules.
 *
 * <p>Each rebuild partitions the candidates into groups (tier, zone), computes each group's share
 * of traffic ({@link #shares}), and builds one inner picker per group with a non-zero share. The
 * inner factory of a group is kept across rebuilds for as long as the group has members, so its
 * state (a round-robin position, the previous ring) survives membership and health changes.
 *
 * <p>Threading: {@link #newPicker} runs on the balancer's single writer; the pickers it builds are
 * immutable and pick without locking or allocating.
 */
final class LocalityPickerFactory implements PickerFactory {
  private final String localZone;
  private final double factor;
  private final Supplier<PickerFactory> supplier;
  private final Rng rng;
  private final String name;
  private final boolean usesLatency;
  private final boolean usesTotalInFlight;
  private final Duration rebuildPeriod;
  // The first factory the supplier gave, waiting for the first group; then null.
  private PickerFactory spare;
  // One inner factory per group, kept while the group has members; written by the writer only.
  private Map<Group, PickerFactory> factories = new HashMap<>();

  /** A partition of the candidates: one tier, and one zone when zone-aware ("" otherwise). */
  record Group(int tier, String zone) {}

  LocalityPickerFactory(
      String localZone, double factor, Supplier<PickerFactory> supplier, Rng rng) {
    this.localZone = localZone;
    this.factor = factor;
    this.supplier = supplier;
    this.rng = rng;
    this.spare = supplied(Map.of());
    this.name = "locality(" + spare.name() + ")";
    this.usesLatency = spare.usesLatency();
    this.usesTotalInFlight = spare.usesTotalInFlight();
    this.rebuildPeriod = spare.rebuildPeriod();
  }

  private PickerFactory supplied(Map<Group, PickerFactory> inUse) {
    PickerFactory f = supplier.get();
    if (f == null) {
      throw new IllegalArgumentException(
          "within: the supplier returned null (expected: a factory)");
    }
    if (f == spare || factories.containsValue(f) || inUse.containsValue(f)) {
      throw new IllegalArgumentException(
          "within: the supplier returned the same factory "
              + f.name()
              + " twice (expected: a new factory per call, such as Pickers::leastConnection)");
    }
    return f;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public boolean usesLatency() {
    return usesLatency;
  }

  @Override
  public boolean usesTotalInFlight() {
    return usesTotalInFlight;
  }

  /** The inner strategy's: reported-load weights, for one, are recomputed every period. */
  @Override
  public Duration rebuildPeriod() {
    return rebuildPeriod;
  }

  @Override
  public Picker newPicker(List<Candidate> candidates, PickerContext context) {
    Map<Group, List<Candidate>> available = new LinkedHashMap<>();
    for (Candidate c : candidates) {
      available.computeIfAbsent(groupOf(c.endpoint()), g -> new ArrayList<>()).add(c);
    }
    Map<Group, Integer> members = new HashMap<>();
    for (Endpoint e : context.members()) {
      members.merge(groupOf(e), 1, Integer::sum);
    }
    Map<Group, Integer> availableCounts = new HashMap<>();
    available.forEach((g, list) -> availableCounts.put(g, list.size()));
    Map<Group, Double> shares = shares(availableCounts, members, localZone, factor);

    Map<Group, PickerFactory> nextFactories = new HashMap<>();
    List<Picker> pickers = new ArrayList<>();
    List<Candidate[]> groups = new ArrayList<>();
    List<Double> weights = new ArrayList<>();
    for (Map.Entry<Group, List<Candidate>> e : available.entrySet()) {
      Group g = e.getKey();
      PickerFactory f = factories.get(g);
      if (f == null) {
        f = spare != null ? spare : supplied(nextFactories);
        spare = null;
      }
      nextFactories.put(g, f);
      double share = shares.getOrDefault(g, 0.0);
      if (share > 0) {
        Picker p = f.newPicker(List.copyOf(e.getValue()), context);
        if (p == null) {
          throw new IllegalStateException("picker '" + f.name() + "' built null");
        }
        pickers.add(p);
        groups.add(e.getValue().toArray(new Candidate[0]));
        weights.add(share);
      }
    }
    // Groups with no available member keep their factory too, to find it again on recovery.
    for (Group g : members.keySet()) {
      PickerFactory f = factories.get(g);
      if (f != null) {
        nextFactories.putIfAbsent(g, f);
      }
    }
    factories = nextFactories;
    Picker[] array = pickers.toArray(new Picker[0]);
    Candidate[][] groupArray = groups.toArray(new Candidate[0][]);
    long[] thresholds = thresholds(weights);
    int reserving = 0;
    for (Picker p : array) {
      if (p instanceof ReservingPicker) {
        reserving++;
      }
    }
    if (reserving == 0) {
      return new Partitioned(array, groupArray, thresholds, rng);
    }
    if (reserving != array.length) {
      throw new IllegalStateException(
          "within: the supplier's factories built "
              + reserving
              + " reserving pickers of "
              + array.length
              + " (expected: all or none)");
    }
    return new ReservingPartitioned(array, groupArray, thresholds, rng);
  }

  private Group groupOf(Endpoint e) {
    return new Group(e.priority(), localZone == null ? "" : e.zone());
  }

  /**
   * Each group's share of traffic, adding up to 1 over the groups with available endpoints.
   *
   * @param available the count of available endpoints per group, each {@code >= 1}, not empty
   * @param members the count of members per group, available or not; a group missing here counts
   *     its available endpoints as its members
   * @param localZone the caller's zone, or {@code null} to ignore zones
   * @param factor the overprovisioning factor, {@code >= 1}
   */
  static Map<Group, Double> shares(
      Map<Group, Integer> available, Map<Group, Integer> members, String localZone, double factor) {
    // Per tier: available and member counts, and the zones within.
    TreeMap<Integer, Map<String, int[]>> tiers = new TreeMap<>();
    for (Map.Entry<Group, Integer> e : available.entrySet()) {
      Group g = e.getKey();
      int m = Math.max(e.getValue(), members.getOrDefault(g, 0));
      tiers
          .computeIfAbsent(g.tier(), t -> new TreeMap<>())
          .put(g.zone(), new int[] {e.getValue(), m});
    }
    for (Map.Entry<Group, Integer> e : members.entrySet()) {
      Group g = e.getKey();
      Map<String, int[]> zones = tiers.get(g.tier());
      // Members of a tier with nothing available never get traffic, but they count in the zone
      // shares of tiers that do.
      if (zones != null) {
        zones.putIfAbsent(g.zone(), new int[] {0, e.getValue()});
      }
    }
    Map<Integer, Double> health = new TreeMap<>();
    double totalHealth = 0;
    for (Map.Entry<Integer, Map<String, int[]>> t : tiers.entrySet()) {
      int a = 0;
      int m = 0;
      for (int[] counts : t.getValue().values()) {
        a += counts[0];
        m += counts[1];
      }
      double h = Math.min(1, factor * a / m);
      health.put(t.getKey(), h);
      totalHealth += h;
    }
    Map<Group, Double> shares = new HashMap<>();
    double left = 1;
    for (Map.Entry<Integer, Map<String, int[]>> t : tiers.entrySet()) {
      double h = health.get(t.getKey());
      // The cascade takes each tier's health out of what is left; when the healths add up to
      // less than 1, Envoy scales them up to 1 instead.
      double tierShare = totalHealth < 1 ? h / totalHealth : Math.min(left, h);
      left -= tierShare;
      if (tierShare <= 0) {
        continue;
      }
      for (Map.Entry<String, Double> z : zoneShares(t.getValue(), localZone).entrySet()) {
        if (z.getValue() > 0) {
          shares.put(new Group(t.getKey(), z.getKey()), tierShare * z.getValue());
        }
      }
    }
    return shares;
  }

  /** Envoy's zone-aware split of one tier's traffic; counts are {available, members} per zone. */
  private static Map<String, Double> zoneShares(Map<String, int[]> zones, String localZone) {
    double available = 0;
    double members = 0;
    for (int[] counts : zones.values()) {
      available += counts[0];
      members += counts[1];
    }
    Map<String, Double> result = new TreeMap<>();
    int[] local = localZone == null ? null : zones.get(localZone);
    if (local == null || zones.size() == 1) {
      // No preference possible: each zone by its share of the available endpoints.
      for (Map.Entry<String, int[]> z : zones.entrySet()) {
        result.put(z.getKey(), z.getValue()[0] / available);
      }
      return result;
    }
    double localUpstream = local[0] / available;
    double localCallers = local[1] / members;
    if (localUpstream >= localCallers) {
      result.put(localZone, 1.0);
      return result;
    }
    double stay = localUpstream / localCallers;
    result.put(localZone, stay);
    double residualTotal = 0;
    for (Map.Entry<String, int[]> z : zones.entrySet()) {
      if (!z.getKey().equals(localZone)) {
        residualTotal += Math.max(0, z.getValue()[0] / available - z.getValue()[1] / members);
      }
    }
    for (Map.Entry<String, int[]> z : zones.entrySet()) {
      if (!z.getKey().equals(localZone)) {
        double residual = Math.max(0, z.getValue()[0] / available - z.getValue()[1] / members);
        result.put(z.getKey(), (1 - stay) * residual / residualTotal);
      }
    }
    return result;
  }

  /**
   * Cumulative thresholds in {@code [0, 2^32]}: group i is drawn when the 32-bit draw is below i's.
   */
  private static long[] thresholds(List<Double> weights) {
    double total = 0;
    for (double w : weights) {
      total += w;
    }
    long[] thresholds = new long[weights.size()];
    double cumulative = 0;
    for (int i = 0; i < thresholds.length; i++) {
      cumulative += weights.get(i);
      thresholds[i] = Math.round(cumulative / total * 0x1p32);
    }
    thresholds[thresholds.length - 1] = 1L << 32;
    return thresholds;
  }

  /** The inner pickers with their thresholds; picks draw a group, then delegate. */
  private static class Partitioned implements Picker {
    final Picker[] pickers;
    // Each group's candidates, for retries whose inner picker has no way of avoiding some.
    private final Candidate[][] groups;
    private final long[] thresholds;
    private final Rng rng;

    Partitioned(Picker[] pickers, Candidate[][] groups, long[] thresholds, Rng rng) {
      this.pickers = pickers;
      this.groups = groups;
      this.thresholds = thresholds;
      this.rng = rng;
    }

    /** The group for one call: by the key's hash when there is a key, else at random. */
    final int group(String key) {
      long[] t = thresholds;
      if (t.length == 1) {
        return 0;
      }
      long draw = key == null ? Rng.low(rng.nextLong()) : mix(key.hashCode());
      int i = 0;
      while (draw >= t[i]) {
        i++;
      }
      return i;
    }

    /** MurmurHash3's 32-bit finalizer: spreads {@code String.hashCode()} over all 32 bits. */
    private static long mix(int h) {
      h ^= h >>> 16;
      h *= 0x85ebca6b;
      h ^= h >>> 13;
      h *= 0xc2b2ae35;
      h ^= h >>> 16;
      return h & 0xFFFF_FFFFL;
    }

    @Override
    public Candidate pick(String key) {
      return pickers[group(key)].pick(key);
    }

    /**
     * The drawn group's choice avoiding {@code exclude}; when its picker declines (round-robin and
     * other pickers without their own way), the group's least-loaded allowed candidate, so that a
     * retry stays in its tier and zone. {@code null} only when the whole group is excluded; the
     * balancer then falls back over every available candidate. Off the plain path: it may allocate.
     */
    @Override
    public Candidate pick(String key, Set<String> exclude) {
      int g = group(key);
      Candidate chosen = pickers[g].pick(key, exclude);
      if (chosen == null || exclude.contains(chosen.endpoint().id())) {
        Candidate[] cs = groups[g];
        chosen =
            LeastLoadPickerFactory.lightestAllowed(
                cs, Weights.exact(List.of(cs)), null, rng, exclude);
      }
      return chosen;
    }
  }

  /** {@link Partitioned} over reserving pickers (bounded loads within each group). */
  private static final class ReservingPartitioned extends Partitioned implements ReservingPicker {
    ReservingPartitioned(Picker[] pickers, Candidate[][] groups, long[] thresholds, Rng rng) {
      super(pickers, groups, thresholds, rng);
    }

    @Override
    public Candidate reserve(String key, Set<String> exclude) {
      return ((ReservingPicker) pickers[group(key)]).reserve(key, exclude);
    }
  }
}
