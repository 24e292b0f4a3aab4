package io.github.lb4j.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lb4j.Balancer;
import io.github.lb4j.Endpoint;
import io.github.lb4j.core.Balancers;
import io.github.lb4j.core.KeyHashers;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Deterministic subsetting: even client counts per endpoint, few moves per membership change. */
final class SubsettingTest {
  private static final int CLIENTS = 1_000;
  private static final int ENDPOINTS = 300;
  private static final int K = 20;
  private static final long SEED = 2026;

  private static List<Endpoint> endpoints(int n) {
    List<Endpoint> list = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      list.add(Endpoint.of("http://10.1." + i / 250 + "." + i % 250 + ":8080"));
    }
    return list;
  }

  private static List<List<Endpoint>> subsets(List<Endpoint> all) {
    List<List<Endpoint>> subsets = new ArrayList<>();
    for (int c = 0; c < CLIENTS; c++) {
      subsets.add(new Subsetting(c, K, SEED).select(all));
    }
    return subsets;
  }

  private static double maxOverMean(List<List<Endpoint>> subsets, int endpoints) {
    Map<String, Integer> clients = new HashMap<>();
    int total = 0;
    for (List<Endpoint> subset : subsets) {
      for (Endpoint e : subset) {
        clients.merge(e.id(), 1, Integer::sum);
        total++;
      }
    }
    int max = clients.values().stream().mapToInt(Integer::intValue).max().orElseThrow();
    return max / (total / (double) endpoints);
  }

  @Test
  void select_thousandClients_everyEndpointGetsAboutTheMeanAndEverySubsetIsFull() {
    List<List<Endpoint>> subsets = subsets(endpoints(ENDPOINTS));
    for (List<Endpoint> subset : subsets) {
      assertEquals(K, subset.size());
      assertEquals(K, new HashSet<>(subset).size());
    }
    double ratio = maxOverMean(subsets, ENDPOINTS);
    // 66 full rounds give every endpoint 66 clients; the last 10 clients add one to 200 of them.
    assertTrue(ratio <= 1.1, "max/mean " + ratio);
    assertEquals(67 / (CLIENTS * K / (double) ENDPOINTS), ratio, 1e-9);
  }

  @Test
  void select_rendezvousTopK_wouldBeUneven() {
    // The alternative rejected in the design: each client takes the K endpoints of highest
    // hash(client, endpoint). Its client counts spread binomially, far past 1.1.
    List<Endpoint> all = endpoints(ENDPOINTS);
    List<List<Endpoint>> subsets = new ArrayList<>();
    for (int c = 0; c < CLIENTS; c++) {
      Map<Endpoint, Long> hash = new HashMap<>();
      for (Endpoint e : all) {
        hash.put(e, KeyHashers.defaultHasher().hash(c + "/" + e.id()));
      }
      List<Endpoint> sorted = new ArrayList<>(all);
      sorted.sort(Comparator.comparing(hash::get));
      subsets.add(sorted.subList(0, K));
    }
    assertTrue(
        maxOverMean(subsets, ENDPOINTS) > 1.2, "max/mean " + maxOverMean(subsets, ENDPOINTS));
  }

  @Test
  void select_oneEndpointLeaves_fewMembersChange() {
    List<Endpoint> all = endpoints(ENDPOINTS);
    List<List<Endpoint>> before = subsets(all);
    double worstShare = 0;
    double sumShare = 0;
    // Ten endpoints leaving in turn: the average over clients, then the worst over endpoints.
    int trials = 0;
    for (int gone = 0; gone < ENDPOINTS; gone += 31) {
      trials++;
      List<Endpoint> fewer = new ArrayList<>(all);
      fewer.remove(gone);
      List<List<Endpoint>> after = subsets(fewer);
      long changed = 0;
      for (int c = 0; c < CLIENTS; c++) {
        Set<Endpoint> kept = new HashSet<>(before.get(c));
        kept.removeAll(after.get(c));
        changed += kept.size();
      }
      double share = changed / (double) (CLIENTS * K);
      worstShare = Math.max(worstShare, share);
      sumShare += share;
    }
    double bound = 2.0 * K / ENDPOINTS;
    assertTrue(worstShare <= bound, "changed share " + worstShare + " (bound " + bound + ")");
    // Each shifted slice changes by about one member of K: far below the bound.
    assertTrue(sumShare / trials < 0.05, "mean changed share " + sumShare / trials);
  }

  @Test
  void select_fewerEndpointsThanTheSize_allOfThem() {
    List<Endpoint> three = endpoints(3);
    assertEquals(
        three,
        new Subsetting(5, K, SEED).select(List.of(three.get(2), three.get(0), three.get(1))));
  }

  @Test
  void select_inputOrder_doesNotMatter() {
    List<Endpoint> all = endpoints(50);
    List<Endpoint> reversed = new ArrayList<>(all);
    java.util.Collections.reverse(reversed);
    Subsetting s = new Subsetting(3, 7, SEED);
    assertEquals(s.select(all), s.select(reversed));
    // 50 endpoints in ceil(50 / 7) = 8 slices: of 6 or 7.
    int size = s.select(all).size();
    assertTrue(size == 6 || size == 7, "size " + size);
    // Another seed, another subset (the fleets do not line up).
    assertTrue(!s.select(all).equals(new Subsetting(3, 7, SEED + 1).select(all)));
  }

  @Test
  void apply_boundToBalancer_deliversTheSubsetAndSkipsUnchangedOnes() {
    List<Endpoint> all = endpoints(40);
    List<Consumer<List<Endpoint>>> consumers = new ArrayList<>();
    EndpointSource manual =
        updates -> {
          consumers.add(updates);
          updates.accept(all);
          return new Subscription() {
            @Override
            public void refresh() {}

            @Override
            public void close() {}
          };
        };
    Subsetting subsetting = new Subsetting(1, 5, SEED);
    List<List<Endpoint>> delivered = new ArrayList<>();
    try (Subscription s = subsetting.apply(manual).subscribe(delivered::add);
        Balancer balancer = Balancers.builder().build();
        Subscription bound = Discovery.bind(subsetting.apply(manual), balancer)) {
      assertEquals(List.of(subsetting.select(all)), delivered);
      assertEquals(
          subsetting.select(all),
          balancer.endpoints().stream().sorted(Comparator.comparing(Endpoint::id)).toList());
      // An endpoint outside the subset leaves: nothing to deliver.
      Endpoint outside =
          all.stream().filter(e -> !subsetting.select(all).contains(e)).findFirst().orElseThrow();
      List<Endpoint> fewer = new ArrayList<>(all);
      fewer.remove(outside);
      consumers.get(0).accept(fewer);
      assertEquals(1, delivered.size());
      // One inside leaves: a new subset, still of 5.
      fewer.remove(subsetting.select(fewer).get(0));
      consumers.get(0).accept(fewer);
      assertEquals(2, delivered.size());
      assertEquals(5, delivered.get(1).size());
    }
  }

  @Test
  void constructor_badArguments_throwNamingTheValue() {
    assertEquals(
        "clientId: -1 (expected: >= 0)",
        assertThrows(IllegalArgumentException.class, () -> new Subsetting(-1, 5, 0)).getMessage());
    assertEquals(
        "subsetSize: 0 (expected: >= 1)",
        assertThrows(IllegalArgumentException.class, () -> new Subsetting(0, 0, 0)).getMessage());
    assertThrows(NullPointerException.class, () -> new Subsetting(0, 1, 0).select(null));
  }
}
