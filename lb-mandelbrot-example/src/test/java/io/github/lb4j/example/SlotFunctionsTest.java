package io.github.lb4j.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lb4j.Balancer;
import io.github.lb4j.Endpoint;
import io.github.lb4j.core.Balancers;
import io.github.lb4j.core.Pickers;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class SlotFunctionsTest {

  @Test
  void parse_names_theNamedPairs() {
    assertSame(SlotFunctions.SEED, SlotFunctions.parse("classic-hash", "seed"));
    assertSame(SlotFunctions.SPREAD, SlotFunctions.parse("classic-hash", "spread"));
    assertSame(SlotFunctions.MURMUR, SlotFunctions.parse("classic-hash", " murmur "));
  }

  @Test
  void parse_polynomials_evaluatedAsWritten() {
    SlotFunctions f = SlotFunctions.parse("classic-hash", "H=3i+1, Phi=i+100j");
    assertEquals(SlotFunctions.CUSTOM, f.name());
    assertEquals("H(i) = 3i+1, \u03a6(i,j) = i+100j", f.description());
    assertEquals(31, f.h().applyAsLong(10));
    assertEquals(802, f.phi().applyAsLong(2, 8));
  }

  @Test
  void seed_isTheRingsBuiltInPair() {
    // Same functions, same ring: the parsed seed pair and Pickers.classicSeedHash() agree.
    String[] ids = LoadRun.requestIds(2_000, 3);
    assertEquals(
        homes(Pickers.classicSeedHash(), 5, ids), homes(SlotFunctions.SEED.factory(), 5, ids));
  }

  @ParameterizedTest
  @ValueSource(strings = {"ring", "H=i", "Phi=j,H=i", "H=i;Phi=j", "H=i,Phi=j,x", "h=i,phi=j"})
  void parse_unknownSpec_listsTheForms(String spec) {
    InvalidParameterException e =
        assertThrows(
            InvalidParameterException.class, () -> SlotFunctions.parse("classic-hash", spec));
    assertEquals("classic-hash", e.parameter());
    assertEquals(
        "classic-hash: '"
            + spec
            + "' (expected: seed, spread, murmur or H=POLY,Phi=POLY such as"
            + " H=i+2i^2+17,Phi=i+j+2j^2+25)",
        e.getMessage());
  }

  @Test
  void parse_badPolynomial_namesTheFunction() {
    InvalidParameterException h =
        assertThrows(
            InvalidParameterException.class,
            () -> SlotFunctions.parse("classic-hash", "H=i+*2,Phi=j"));
    assertEquals("H: 'i+*2' (expected: a polynomial in i such as i+2i^2+17)", h.getMessage());
    InvalidParameterException phi =
        assertThrows(
            InvalidParameterException.class,
            () -> SlotFunctions.parse("classic-hash", "H=i,Phi=k"));
    assertEquals(
        "Phi: 'k' (expected: a polynomial in i and j such as i+j+2j^2+25)", phi.getMessage());
  }

  /** The seed's pair puts most requests on server 1; the alternatives spread them. */
  @ParameterizedTest
  @ValueSource(ints = {2, 3, 4, 5, 6})
  void alternatives_sameRequests_fixTheSeedsClustering(int n) {
    String[] ids = LoadRun.requestIds(10_000, 42);
    double seed = maxOverMean(homes(SlotFunctions.SEED.factory(), n, ids), n, ids.length);
    double spread = maxOverMean(homes(SlotFunctions.SPREAD.factory(), n, ids), n, ids.length);
    double murmur = maxOverMean(homes(SlotFunctions.MURMUR.factory(), n, ids), n, ids.length);
    assertTrue(seed > 0.85 * n, "seed: nearly everything on one server: " + seed);
    assertTrue(spread < 1.3, "spread " + spread);
    // Nine pseudo-random replicas per server: no clusters, but arcs that vary by chance.
    assertTrue(murmur < 1.65, "murmur " + murmur);
  }

  private static List<String> homes(io.github.lb4j.PickerFactory picker, int n, String[] ids) {
    List<Endpoint> endpoints = new ArrayList<>();
    for (int k = 1; k <= n; k++) {
      endpoints.add(Endpoint.of("http://127.0.0.1:" + (8000 + k)));
    }
    try (Balancer b = Balancers.builder().name("t").endpoints(endpoints).picker(picker).build()) {
      List<String> homes = new ArrayList<>();
      for (String id : ids) {
        homes.add(b.choose(id).id());
      }
      return homes;
    }
  }

  private static double maxOverMean(List<String> homes, int n, int total) {
    Map<String, Integer> counts = new HashMap<>();
    homes.forEach(h -> counts.merge(h, 1, Integer::sum));
    int max = counts.values().stream().mapToInt(Integer::intValue).max().orElse(0);
    return max / (total / (double) n);
  }
}
