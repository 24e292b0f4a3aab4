package io.github.lb4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lb4j.Candidate;
import io.github.lb4j.Endpoint;
import io.github.lb4j.KeyHasher;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

final class HashRingTest {
  private static final int VNODES = ConsistentHashBuilder.DEFAULT_VIRTUAL_NODES;
  private static final int PROBES = ConsistentHashBuilder.DEFAULT_PROBES;
  private static final KeyHasher HASHER = KeyHashers.defaultHasher();
  private static final String[] KEYS = Fixtures.uuidKeys(20_000, 11);

  /** A candidate that is only an endpoint: all the ring reads. */
  private record Member(Endpoint endpoint) implements Candidate {
    @Override
    public int weight() {
      return endpoint.weight();
    }

    @Override
    public int inFlight() {
      return 0;
    }

    @Override
    public double effectiveWeight() {
      return endpoint.weight();
    }

    @Override
    public double latencyEwmaNanos(long now) {
      return 0;
    }

    @Override
    public boolean tryReserve(int limit) {
      throw new UnsupportedOperationException("the ring reserves nothing");
    }
  }

  private static Candidate member(int i, int weight) {
    return new Member(Fixtures.endpoint(i).withWeight(weight));
  }

  private static HashRing build(HashRing previous, List<Candidate> members) {
    return HashRingUpdate.next(previous, members, VNODES, HASHER);
  }

  private static HashRing scratch(List<Candidate> members) {
    return build(HashRingUpdate.EMPTY, members);
  }

  /** The endpoint id each key goes to. */
  private static String[] mapping(HashRing ring, List<Candidate> members) {
    String[] result = new String[KEYS.length];
    for (int k = 0; k < KEYS.length; k++) {
      result[k] =
          members.get(ring.owner(ring.lookup(HASHER.hash(KEYS[k]), PROBES))).endpoint().id();
    }
    return result;
  }

  /** Keys that moved between two endpoints neither of which is {@code changed}. */
  private static int strayMoves(String[] before, String[] after, String changed) {
    int stray = 0;
    for (int k = 0; k < before.length; k++) {
      if (!before[k].equals(after[k]) && !before[k].equals(changed) && !after[k].equals(changed)) {
        stray++;
      }
    }
    return stray;
  }

  private static int moves(String[] before, String[] after) {
    int moved = 0;
    for (int k = 0; k < before.length; k++) {
      if (!before[k].equals(after[k])) {
        moved++;
      }
    }
    return moved;
  }

  /**
   * 170 endpoints of weight 100 (4,352,000 points at the defaults): a global cap on the points once
   * rescaled every endpoint and moved about 0.5% of the keys between endpoints that both stayed.
   */
  @Test
  void largeTotalWeight_addAndRemove_noKeyMovesBetweenStayingEndpoints() {
    List<Candidate> members = new ArrayList<>();
    for (int i = 0; i < 170; i++) {
      members.add(member(i, 100));
    }
    HashRing ring = scratch(members);
    assertEquals(170 * 100 * VNODES, ring.size());
    String[] before = mapping(ring, members);

    List<Candidate> added = new ArrayList<>(members);
    Candidate joining = member(170, 100);
    added.add(joining);
    HashRing withJoiner = build(ring, added);
    String[] afterAdd = mapping(withJoiner, added);
    assertEquals(0, strayMoves(before, afterAdd, joining.endpoint().id()), "stray moves on add");
    assertTrue(moves(before, afterAdd) > 0, "the joiner got keys");

    List<Candidate> removed = new ArrayList<>(members);
    Candidate leaving = removed.remove(17);
    HashRing withoutLeaver = build(ring, removed);
    String[] afterRemove = mapping(withoutLeaver, removed);
    assertEquals(
        0, strayMoves(before, afterRemove, leaving.endpoint().id()), "stray moves on remove");
    assertRingsEqual(scratch(removed), withoutLeaver);
  }

  /** 1,000 endpoints, weights 1..5: add one, remove one, change one's weight up and down. */
  @Test
  void thousandMixedWeights_eachChange_movesKeysOnlyToOrFromTheChangedEndpoint() {
    List<Candidate> members = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      members.add(member(i, 1 + i % 5));
    }
    HashRing ring = scratch(members);
    String[] before = mapping(ring, members);

    List<Candidate> added = new ArrayList<>(members);
    added.add(member(1000, 3));
    assertNoStrayMoves(ring, before, added, Fixtures.endpoint(1000).id());

    List<Candidate> removed = new ArrayList<>(members);
    removed.remove(500);
    assertNoStrayMoves(ring, before, removed, Fixtures.endpoint(500).id());

    for (int weight : new int[] {1, 5, 9}) {
      List<Candidate> reweighted = new ArrayList<>(members);
      reweighted.set(302, member(302, weight)); // weight 3 before
      assertNoStrayMoves(ring, before, reweighted, Fixtures.endpoint(302).id());
    }
  }

  private static void assertNoStrayMoves(
      HashRing ring, String[] before, List<Candidate> next, String changed) {
    HashRing updated = build(ring, next);
    String[] after = mapping(updated, next);
    assertEquals(0, strayMoves(before, after, changed), "stray moves, change of " + changed);
    assertTrue(moves(before, after) > 0, "some keys moved for " + changed);
    assertRingsEqual(scratch(next), updated);
  }

  /**
   * The ring is a pure function of the membership: a ring reached through any sequence of changes
   * (joins, leaves, weight changes, reorderings) has the same points and the same mapping as one
   * built from scratch for the final membership.
   */
  @Test
  void randomChanges_incrementalRingEqualsScratchRing() {
    Random random = new Random(5);
    List<Candidate> members = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      members.add(member(i, 1 + random.nextInt(4)));
    }
    int nextId = 40;
    HashRing ring = scratch(members);
    for (int round = 0; round < 60; round++) {
      int changes = 1 + random.nextInt(round % 10 == 0 ? 30 : 3);
      for (int c = 0; c < changes; c++) {
        switch (random.nextInt(4)) {
          case 0 ->
              members.add(
                  random.nextInt(members.size() + 1), member(nextId++, 1 + random.nextInt(4)));
          case 1 -> {
            if (members.size() > 1) {
              members.remove(random.nextInt(members.size()));
            }
          }
          case 2 -> {
            int at = random.nextInt(members.size());
            Endpoint endpoint = members.get(at).endpoint();
            members.set(at, new Member(endpoint.withWeight(1 + random.nextInt(6))));
          }
          default -> Collections.shuffle(members, random);
        }
      }
      ring = build(ring, members);
      HashRing fresh = scratch(members);
      assertRingsEqual(fresh, ring);
      assertArrayEquals(mapping(fresh, members), mapping(ring, members), "round " + round);
    }
  }

  /**
   * Heavy endpoints have points at equal positions among their own (512,000 points each at weight
   * 2,000 make about 30 such pairs): lowering and raising a weight drops and adds exactly the right
   * ones.
   */
  @Test
  void heavyWeightChanges_incrementalRingEqualsScratchRing() {
    List<Candidate> members = List.of(member(0, 2000), member(1, 2000));
    HashRing ring = scratch(members);
    for (int weight : new int[] {1000, 1999, 3, 2000}) {
      List<Candidate> next = List.of(member(0, 2000), member(1, weight));
      ring = build(ring, next);
      assertRingsEqual(scratch(next), ring);
    }
  }

  /**
   * Points at equal positions are ordered by id hash, then id, never by arrival: with a hasher that
   * gives two ids the same seed (so the same positions), the ring is the same whichever joined
   * first, and every tie goes to the smaller id.
   */
  @Test
  void equalPositions_orderedByIdWhateverTheHistory() {
    KeyHasher colliding =
        key -> key.toString().startsWith("http://10.0.0.") ? 42 : HASHER.hash(key);
    List<Candidate> ab = List.of(member(2, 1), member(1, 1));
    List<Candidate> a = List.of(member(2, 1));
    HashRing direct = HashRingUpdate.next(HashRingUpdate.EMPTY, ab, 16, colliding);
    HashRing viaOne =
        HashRingUpdate.next(
            HashRingUpdate.next(HashRingUpdate.EMPTY, a, 16, colliding), ab, 16, colliding);
    assertRingsEqual(direct, viaOne);
    // "http://10.0.0.1:8080" < "http://10.0.0.2:8080": candidate 1 owns every key.
    for (String key : KEYS) {
      assertEquals(1, direct.owner(direct.lookup(colliding.hash(key), PROBES)));
      assertEquals(1, viaOne.owner(viaOne.lookup(colliding.hash(key), PROBES)));
    }
    HashRing back = HashRingUpdate.next(viaOne, a, 16, colliding);
    assertRingsEqual(HashRingUpdate.next(HashRingUpdate.EMPTY, a, 16, colliding), back);
  }

  @Test
  void sameCandidates_sharePointsAndMapping() {
    List<Candidate> members = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      members.add(member(i, 1 + i % 3));
    }
    HashRing ring = scratch(members);
    HashRing again = build(ring, members);
    assertSame(ring.points, again.points);
    assertArrayEquals(mapping(ring, members), mapping(again, members));

    List<Candidate> reversed = new ArrayList<>(members);
    Collections.reverse(reversed);
    HashRing reordered = build(ring, reversed);
    assertSame(ring.points, reordered.points);
    assertArrayEquals(mapping(ring, members), mapping(reordered, reversed));
  }

  @Test
  void lookupExcluding_isWhereTheKeyGoesWithoutTheExcluded() {
    List<Candidate> members = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      members.add(member(i, 1 + i % 4));
    }
    HashRing ring = scratch(members);
    Random random = new Random(3);
    for (int round = 0; round < 20; round++) {
      Set<String> excluded = new HashSet<>();
      for (int e = random.nextInt(6); e >= 0; e--) {
        excluded.add(members.get(random.nextInt(members.size())).endpoint().id());
      }
      List<Candidate> rest = new ArrayList<>();
      for (Candidate c : members) {
        if (!excluded.contains(c.endpoint().id())) {
          rest.add(c);
        }
      }
      HashRing without = scratch(rest);
      for (int k = 0; k < 2_000; k++) {
        long hash = HASHER.hash(KEYS[k]);
        int index =
            ring.lookupExcluding(
                hash, PROBES, owner -> !excluded.contains(members.get(owner).endpoint().id()));
        assertEquals(
            rest.get(without.owner(without.lookup(hash, PROBES))).endpoint().id(),
            members.get(ring.owner(index)).endpoint().id());
      }
    }
    assertEquals(-1, ring.lookupExcluding(HASHER.hash("k"), PROBES, owner -> false));
    assertEquals(-1, ring.firstAllowed(0, owner -> false));
  }

  /**
   * The branch-free windows with their checks find exactly what a plain scan of every probe finds,
   * on rings from one point to thousands, with many ties (few distinct virtual nodes).
   */
  @Test
  void lookup_agreesWithAnExactScan() {
    Random random = new Random(9);
    for (int round = 0; round < 40; round++) {
      int n = 1 + random.nextInt(round < 20 ? 4 : 60);
      int vnodes = 1 + random.nextInt(round % 3 == 0 ? 3 : 300);
      List<Candidate> members = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        members.add(member(i, 1 + random.nextInt(3)));
      }
      HashRing ring = HashRingUpdate.next(HashRingUpdate.EMPTY, members, vnodes, HASHER);
      for (int probes : new int[] {1, 2, PROBES, 17}) {
        for (int k = 0; k < 3_000; k++) {
          long hash = HASHER.hash(KEYS[k]);
          assertEquals(
              ring.lookupExcluding(hash, probes, owner -> true),
              ring.lookup(hash, probes),
              "n " + n + ", virtual nodes " + vnodes + ", probes " + probes + ", key " + KEYS[k]);
        }
      }
    }
  }

  @Test
  void singlePoint_everyKeyFindsIt() {
    HashRing ring = HashRingUpdate.next(HashRingUpdate.EMPTY, List.of(member(0, 1)), 1, HASHER);
    assertEquals(1, ring.size());
    for (int k = 0; k < 100; k++) {
      assertEquals(0, ring.lookup(HASHER.hash(KEYS[k]), PROBES));
    }
  }

  @Test
  void weights_shareProportionalToWeight() {
    List<Candidate> members = List.of(member(0, 1), member(1, 2), member(2, 3), member(3, 4));
    HashRing ring = scratch(members);
    String[] keys = Fixtures.uuidKeys(100_000, 8);
    int[] counts = new int[4];
    for (String key : keys) {
      counts[ring.owner(ring.lookup(HASHER.hash(key), PROBES))]++;
    }
    for (int i = 0; i < 4; i++) {
      double expected = keys.length * (i + 1) / 10.0;
      assertTrue(
          Math.abs(counts[i] - expected) < 0.03 * expected,
          "counts " + List.of(counts[0], counts[1], counts[2], counts[3]));
    }
  }

  @Test
  void tooManyPoints_rejectedNamingTheValueAndTheLimit() {
    List<Candidate> heavy = List.of(member(0, 20_000), member(1, 20_000));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> scratch(heavy));
    assertEquals(
        "points: 10240000 (expected: <= 8388608; the ring needs virtualNodes (256) times the total"
            + " weight of the 2 endpoints: lower the weights or virtualNodes)",
        e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> scratch(List.of()));
    IllegalArgumentException twice =
        assertThrows(
            IllegalArgumentException.class, () -> scratch(List.of(member(0, 1), member(0, 2))));
    assertEquals(
        "candidates: endpoint id 'http://10.0.0.0:8080' twice (expected: distinct ids)",
        twice.getMessage());
  }

  private static void assertRingsEqual(HashRing expected, HashRing actual) {
    assertEquals(expected.size(), actual.size(), "points");
    for (int i = 0; i < expected.size(); i++) {
      long e = expected.points[i];
      long a = actual.points[i];
      if (e >>> 32 != a >>> 32 || !expected.slotIds[(int) e].equals(actual.slotIds[(int) a])) {
        throw new AssertionError(
            "point "
                + i
                + ": "
                + Long.toHexString(e >>> 32)
                + " of "
                + expected.slotIds[(int) e]
                + ", but "
                + Long.toHexString(a >>> 32)
                + " of "
                + actual.slotIds[(int) a]);
      }
    }
    assertArrayEquals(
        HashRingUpdate.index(expected.points, expected.size(), 32 - expected.shift),
        expected.bucketStart);
    assertArrayEquals(
        HashRingUpdate.index(actual.points, actual.size(), 32 - actual.shift), actual.bucketStart);
    assertEquals(Map.copyOf(expected.slotOfId).keySet(), Map.copyOf(actual.slotOfId).keySet());
  }
}
