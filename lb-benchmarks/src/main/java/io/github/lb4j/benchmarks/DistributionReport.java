package io.github.lb4j.benchmarks;

import io.github.lb4j.Balancer;
import io.github.lb4j.Endpoint;
import io.github.lb4j.PickerFactory;
import io.github.lb4j.core.Balancers;
import io.github.lb4j.core.Pickers;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * How evenly the hashing pickers spread keys, and how many keys move when the membership changes,
 * measured through {@code Balancer.choose(key)} on real balancers. Prints Markdown tables.
 *
 * <p>Run with {@code java -cp lb-benchmarks/target/benchmarks.jar
 * io.github.lb4j.benchmarks.DistributionReport [keys] [seed]}; 1,000,000 keys and seed 2026 unless
 * given. The keys are random version-4 UUID strings, the same for every picker.
 *
 * <ul>
 *   <li>Load: max/mean and min/mean of the keys per endpoint (per unit of weight when weighted).
 *   <li>Disruption: add one endpoint, then remove each member in turn from the original membership.
 *       A key may only move to the endpoint that joined, or away from the endpoint that left; any
 *       other move is counted as unnecessary. The ideal moved fraction is {@code 1/(N+1)} on add
 *       and {@code 1/N} on remove.
 *   <li>Disruption at large total weight: 170 endpoints of weight 100 (one added, one removed) and
 *       1,000 endpoints of weights 1..5 (one added, one removed, one's weight changed), counting
 *       the keys that moved between two endpoints that both stayed unchanged (must be 0).
 * </ul>
 */
public final class DistributionReport {
  private static final int[] LOAD_SIZES = {2, 3, 4, 5, 6, 100};
  private static final int[] CLASSIC_LOAD_SIZES = {2, 3, 4, 5, 6, 56};

  private final String[] keys;

  private DistributionReport(String[] keys) {
    this.keys = keys;
  }

  public static void main(String[] args) {
    int count = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    long seed = args.length > 1 ? Long.parseLong(args[1]) : 2026;
    if (count < 1) {
      throw new IllegalArgumentException("keys: " + count + " (expected: > 0)");
    }
    DistributionReport report = new DistributionReport(Fixtures.keys(count, seed));
    System.out.printf(Locale.ROOT, "%,d random UUID keys (seed %d).%n%n", count, seed);

    System.out.println("### Load: keys per endpoint");
    System.out.println();
    System.out.println("| picker | N | weights | max/mean | min/mean |");
    System.out.println("|---|---:|---|---:|---:|");
    for (int n : LOAD_SIZES) {
      report.load("consistent-hash (default)", Pickers::consistentHash, n, false);
    }
    report.load("consistent-hash (default)", Pickers::consistentHash, 10, true);
    report.load("consistent-hash (default)", Pickers::consistentHash, 100, true);
    for (int n : CLASSIC_LOAD_SIZES) {
      report.load("classic-hash", Pickers::classicSeedHash, n, false);
    }
    System.out.println();

    System.out.println("### Disruption: one endpoint added or removed");
    System.out.println();
    System.out.println(
        "| picker | N | add: moved | ideal 1/(N+1) | add: moved unnecessarily"
            + " | remove: moved (mean over members) | ideal 1/N"
            + " | remove: moved unnecessarily (all N removals) |");
    System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (int n = 3; n <= 10; n++) {
      report.disruption("consistent-hash (default)", Pickers::consistentHash, n);
    }
    for (int n = 3; n <= 10; n++) {
      report.disruption("classic-hash", Pickers::classicSeedHash, n);
    }
    System.out.println();

    System.out.println("### Disruption at large total weight (default consistent hash)");
    System.out.println();
    System.out.println("| membership | change | moved | moved between unchanged endpoints |");
    System.out.println("|---|---|---:|---:|");
    List<Endpoint> heavy = new java.util.ArrayList<>();
    for (Endpoint e : Fixtures.endpoints(0, 171, false)) {
      heavy.add(e.withWeight(100));
    }
    report.change("170 × weight 100", heavy.subList(0, 170), heavy, heavy.get(170), "add one");
    List<Endpoint> lighter = new java.util.ArrayList<>(heavy.subList(0, 170));
    Endpoint leaving = lighter.remove(17);
    report.change("170 × weight 100", heavy.subList(0, 170), lighter, leaving, "remove one");
    List<Endpoint> mixed = Fixtures.endpoints(0, 1001, true);
    List<Endpoint> thousand = mixed.subList(0, 1000);
    report.change("1000 × weights 1..5", thousand, mixed, mixed.get(1000), "add one");
    List<Endpoint> fewer = new java.util.ArrayList<>(thousand);
    Endpoint gone = fewer.remove(500);
    report.change("1000 × weights 1..5", thousand, fewer, gone, "remove one");
    List<Endpoint> reweighted = new java.util.ArrayList<>(thousand);
    reweighted.set(302, reweighted.get(302).withWeight(6));
    report.change("1000 × weights 1..5", thousand, reweighted, reweighted.get(302), "weight 3 → 6");
  }

  /**
   * Keys moved by going from {@code before} to {@code after}, in which only {@code changed}
   * differs.
   */
  private void change(
      String label, List<Endpoint> before, List<Endpoint> after, Endpoint changed, String what) {
    long moved = 0;
    long stray = 0;
    try (Balancer balancer = balancer(Pickers.consistentHash(), before)) {
      Endpoint[] was = new Endpoint[keys.length];
      for (int k = 0; k < keys.length; k++) {
        was[k] = balancer.choose(keys[k]);
      }
      balancer.setEndpoints(after);
      for (int k = 0; k < keys.length; k++) {
        Endpoint now = balancer.choose(keys[k]);
        if (!now.equals(was[k])) {
          moved++;
          if (!now.equals(changed) && !was[k].equals(changed)) {
            stray++;
          }
        }
      }
    }
    System.out.printf(
        Locale.ROOT, "| %s | %s | %.4f | %d |%n", label, what, moved / (double) keys.length, stray);
  }

  private void load(String label, Supplier<PickerFactory> picker, int n, boolean weighted) {
    List<Endpoint> endpoints = Fixtures.endpoints(0, n, weighted);
    try (Balancer balancer = balancer(picker.get(), endpoints)) {
      Map<Endpoint, Integer> index = indexOf(endpoints);
      long[] counts = new long[n];
      for (String key : keys) {
        counts[index.get(balancer.choose(key))]++;
      }
      long totalWeight = 0;
      for (Endpoint e : endpoints) {
        totalWeight += e.weight();
      }
      double max = 0;
      double min = Double.MAX_VALUE;
      for (int i = 0; i < n; i++) {
        // Load relative to the endpoint's fair share: 1.0 is exactly its share.
        double share = (double) keys.length * endpoints.get(i).weight() / totalWeight;
        double relative = counts[i] / share;
        max = Math.max(max, relative);
        min = Math.min(min, relative);
      }
      System.out.printf(
          Locale.ROOT,
          "| %s | %d | %s | %.3f | %.3f |%n",
          label,
          n,
          weighted ? "1..5 cycling" : "equal",
          max,
          min);
    }
  }

  private void disruption(String label, Supplier<PickerFactory> picker, int n) {
    List<Endpoint> members = Fixtures.endpoints(0, n, false);
    Endpoint joining = Fixtures.endpoints(n, 1, false).get(0);
    Endpoint[] before = new Endpoint[keys.length];
    long addMoved = 0;
    long addUnnecessary = 0;
    try (Balancer balancer = balancer(picker.get(), members)) {
      for (int k = 0; k < keys.length; k++) {
        before[k] = balancer.choose(keys[k]);
      }
      balancer.add(joining);
      for (int k = 0; k < keys.length; k++) {
        Endpoint after = balancer.choose(keys[k]);
        if (!after.equals(before[k])) {
          addMoved++;
          if (!after.equals(joining)) {
            addUnnecessary++;
          }
        }
      }
    }
    long removeMoved = 0;
    long removeUnnecessary = 0;
    for (Endpoint leaving : members) {
      try (Balancer balancer = balancer(picker.get(), members)) {
        balancer.remove(leaving.id());
        for (int k = 0; k < keys.length; k++) {
          Endpoint after = balancer.choose(keys[k]);
          if (!after.equals(before[k])) {
            removeMoved++;
            if (!before[k].equals(leaving)) {
              removeUnnecessary++;
            }
          }
        }
      }
    }
    double total = keys.length;
    System.out.printf(
        Locale.ROOT,
        "| %s | %d | %.4f | %.4f | %d | %.4f | %.4f | %d |%n",
        label,
        n,
        addMoved / total,
        1.0 / (n + 1),
        addUnnecessary,
        removeMoved / total / n,
        1.0 / n,
        removeUnnecessary);
  }

  private static Balancer balancer(PickerFactory picker, List<Endpoint> endpoints) {
    return Balancers.builder()
        .name("distribution-" + endpoints.size())
        .endpoints(endpoints)
        .picker(picker)
        .build();
  }

  private static Map<Endpoint, Integer> indexOf(List<Endpoint> endpoints) {
    Map<Endpoint, Integer> index = new HashMap<>();
    for (int i = 0; i < endpoints.size(); i++) {
      index.put(endpoints.get(i), i);
    }
    return index;
  }
}
