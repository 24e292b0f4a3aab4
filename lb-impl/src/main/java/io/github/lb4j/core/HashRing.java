package io.github.lb4j.core;

import java.util.Map;
import java.util.function.IntPredicate;

/**
 * An immutable consistent-hash ring: points on a 32-bit circle, each owned by an endpoint, and a
 * multi-probe lookup that scores the points near each probe.
 *
 * <h2>Points</h2>
 *
 * An endpoint of weight {@code w} has {@code virtualNodes * w} points. Point {@code k} of an
 * endpoint sits at the top 32 bits of {@code fmix64(seed + (k + 1) * GOLDEN)}, where {@code seed}
 * is the hash of the endpoint's id: an endpoint's points depend on its own id and weight alone,
 * never on the other members, and raising a weight from {@code w} to {@code w'} keeps the first
 * {@code virtualNodes * w} points.
 *
 * <h2>Lookup</h2>
 *
 * A key's 64-bit hash gives {@code probes} probes (MurmurHash3's finalizer of {@code hash + j *
 * GOLDEN}; the top 32 bits are the probe's place on the circle). The key goes to the point {@code q}
 * with the smallest score {@code d(p, q) * y(p, q)} over all probes {@code p} and the points ahead
 * of them, where {@code d} is the clockwise distance from the probe to the point and {@code y} is a
 * pseudo-random factor in {@code [1, 64)}, log-uniform, drawn from the probe and the point's
 * position. With {@code y = 1} this is multi-probe consistent hashing (Appleton and O'Reilly, 2015):
 * the point nearest to any probe wins. The random factor lets the second or third point after a
 * probe win now and then, so that a point's share of keys depends on several gaps around it instead
 * of only the gap in front of it: with 256 points per endpoint and 8 probes the spread of the
 * shares is about that of plain multi-probe hashing with 30 probes (see "Consistent hashing: the
 * structure" in {@code docs/design.md}). Since {@code y >= 1}, a probe's scan stops at the first
 * point whose distance alone reaches the best score so far; it scores about one point per probe.
 *
 * <p>Minimal disruption: a key's endpoint is the one that minimizes, over its own points, a score
 * that depends on the key and that endpoint's points only (a rendezvous hash over structured
 * scores). Adding, removing or re-weighting one endpoint changes that endpoint's scores and nobody
 * else's, so a key moves only to or from the endpoint that changed, at any size and total weight.
 * Ties (equal scores) go to the earlier probe, then to the earlier point on the circle, and points
 * at the same position are ordered by their endpoint's id hash (then id): the order never depends
 * on the membership, so the mapping is a pure function of the set of (id, weight) pairs.
 *
 * <h2>Layout</h2>
 *
 * One {@code long[]} sorted by position: each entry is {@code position << 32 | slot}, 8 bytes per
 * point. A slot is a small number the ring gives an endpoint for as long as it stays a member; the
 * {@code int[]} {@link #candidateOfSlot} maps slots to the current candidates' indices, so a new
 * candidate order costs one pass over the endpoints, not over the points. A bucket index over the
 * top bits of the position ({@code int[]} of about one entry per 4 to 8 points, a few hundred
 * kilobytes for 1,000 endpoints) finds a probe's successor with one jump and a short scan; the
 * probes of a key are independent, so their cache misses overlap.
 *
 * <p>Building: {@link HashRingUpdate} derives the next ring from the previous one, merging in the
 * sorted points of the endpoints that joined or changed weight and dropping the points of those that
 * left or changed, in one pass of block copies; see there.
 *
 * <p>Threading: immutable once constructed (all fields final, arrays never written after the
 * constructor), so a ring may be shared by any number of threads without synchronization. Lookups
 * allocate nothing.
 */
final class HashRing {
  /**
   * The most points a ring may hold: 8,388,608 (64 MiB of points). A membership whose {@code
   * virtualNodes} times total weight is larger is rejected rather than scaled down, since scaling
   * would move every endpoint's points.
   */
  static final int MAX_POINTS = 1 << 23;

  static final long GOLDEN = 0x9e3779b97f4a7c15L;

  /** Fixed-point position of 1.0 in {@link #FACTORS}: a score is {@code distance * factor}. */
  private static final int FACTOR_SHIFT = 25;

  /**
   * The score factors {@code 64^(i / 256)} in fixed point, at most {@code 2^31}, so that a score
   * ({@code distance < 2^32} times a factor) fits in a positive {@code long}. Computed with {@link
   * StrictMath} so that every JVM computes the same table, and so the same mapping.
   */
  private static final long[] FACTORS = new long[256];

  static {
    for (int i = 0; i < FACTORS.length; i++) {
      FACTORS[i] = Math.round(StrictMath.pow(64, i / 256.0) * (1L << FACTOR_SHIFT));
    }
  }

  /** Sorted by position (ties by the owner's seed, then id): {@code position << 32 | slot}. */
  final long[] points;

  /** {@code bucketStart[b]}: the index of the first point whose position's top bits are {@code >= b}. */
  final int[] bucketStart;

  /** {@code 32 - bits}: a position's bucket is {@code position >>> shift}. */
  final int shift;

  /** The candidate index of each slot; {@code -1} for a free slot. */
  final int[] candidateOfSlot;

  // The membership the ring was built from, kept for the next build's diff. Indexed by slot.
  final String[] slotIds;
  final long[] slotSeeds;
  final int[] slotPoints;
  final Map<String, Integer> slotOfId;

  HashRing(
      long[] points,
      int[] bucketStart,
      int shift,
      int[] candidateOfSlot,
      String[] slotIds,
      long[] slotSeeds,
      int[] slotPoints,
      Map<String, Integer> slotOfId) {
    this.points = points;
    this.bucketStart = bucketStart;
    this.shift = shift;
    this.candidateOfSlot = candidateOfSlot;
    this.slotIds = slotIds;
    this.slotSeeds = slotSeeds;
    this.slotPoints = slotPoints;
    this.slotOfId = slotOfId;
  }

  /** The position on the circle (unsigned 32 bits) of point {@code k} of the endpoint {@code seed}. */
  static long position(long seed, int k) {
    return KeyHashers.fmix64(seed + (k + 1) * GOLDEN) >>> 32;
  }

  /**
   * The {@code j}-th probe of a key hash. Every probe, the first included, goes through MurmurHash3's
   * finalizer, so that a weak key hash still spreads over the whole circle. Its top 32 bits are its
   * place on the circle; the rest seed the score factors.
   */
  static long probe(long hash, int j) {
    return KeyHashers.fmix64(hash + j * GOLDEN);
  }

  /** The score factor of the point at {@code position} for {@code probe}, in fixed point. */
  private static long factor(long probe, long position) {
    long x = (probe ^ position) * 0xbf58476d1ce4e5b9L;
    x ^= x >>> 31;
    x *= 0x94d049bb133111ebL;
    return FACTORS[(int) (x >>> 56)];
  }

  /** The number of bucket bits for {@code size} points: about 4 to 8 points per bucket. */
  static int bucketBits(int size) {
    return Math.max(1, Math.min(24, 31 - Integer.numberOfLeadingZeros(Math.max(1, size)) - 2));
  }

  /** The candidate index that owns the point at {@code index}. */
  int owner(int index) {
    return candidateOfSlot[(int) points[index]];
  }

  /** The number of points. */
  int size() {
    return points.length;
  }

  /** The index of the first point at or after {@code position} on the circle, wrapping to 0. */
  int successor(long position) {
    long[] points = this.points;
    int bucket = (int) (position >>> shift);
    int i = bucketStart[bucket];
    int end = bucketStart[bucket + 1];
    while (i < end && points[i] >>> 32 < position) {
      i++;
    }
    // Past the bucket's last point, the answer is the next bucket's first point: index `end`.
    return i == points.length ? 0 : i;
  }

  /** The index of the point with the smallest score over the key's probes; see the class doc. */
  int lookup(long hash, int probes) {
    long[] points = this.points;
    int n = points.length;
    long best = Long.MAX_VALUE;
    int bestIndex = 0;
    for (int j = 0; j < probes; j++) {
      long probe = probe(hash, j);
      long at = probe >>> 32;
      int i = successor(at);
      for (int step = 0; step < n; step++) {
        long position = points[i] >>> 32;
        long distance = (position - at) & 0xffffffffL;
        if (distance << FACTOR_SHIFT >= best) {
          break; // no point further on can score lower: factors are at least 1
        }
        long score = distance * factor(probe, position);
        if (score < best) {
          best = score;
          bestIndex = i;
        }
        i = i + 1 == n ? 0 : i + 1;
      }
    }
    return bestIndex;
  }

  /**
   * {@link #lookup} on the ring without the points of owners {@code allowed} rejects: where the key
   * would go if those endpoints left. {@code -1} when no owner is allowed.
   */
  int lookupExcluding(long hash, int probes, IntPredicate allowed) {
    long[] points = this.points;
    int n = points.length;
    long best = Long.MAX_VALUE;
    int bestIndex = -1;
    for (int j = 0; j < probes; j++) {
      long probe = probe(hash, j);
      long at = probe >>> 32;
      int i = successor(at);
      for (int step = 0; step < n; step++) {
        long position = points[i] >>> 32;
        long distance = (position - at) & 0xffffffffL;
        if (distance << FACTOR_SHIFT >= best) {
          break;
        }
        if (allowed.test(owner(i))) {
          long score = distance * factor(probe, position);
          if (score < best) {
            best = score;
            bestIndex = i;
          }
        }
        i = i + 1 == n ? 0 : i + 1;
      }
      if (bestIndex < 0) {
        return -1; // the first probe went all the way round: nobody is allowed
      }
    }
    return bestIndex;
  }

  /** The first index at or after {@code index}, clockwise, whose owner is allowed; or -1. */
  int firstAllowed(int index, IntPredicate allowed) {
    int n = points.length;
    for (int step = 0; step < n; step++) {
      if (allowed.test(owner(index))) {
        return index;
      }
      index = index + 1 == n ? 0 : index + 1;
    }
    return -1;
  }
}
