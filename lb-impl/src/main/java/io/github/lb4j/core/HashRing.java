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
 * GOLDEN}; the top 32 bits are the probe's place on the circle). The key goes to the point {@code
 * q} with the smallest score {@code d(p, q) * y(p, q)} over all probes {@code p} and the points
 * ahead of them, where {@code d} is the clockwise distance from the probe to the point and {@code
 * y} is a pseudo-random factor in {@code [1, 256)}, log-uniform, drawn from the probe and the
 * point's position. With {@code y = 1} this would be multi-probe consistent hashing (Appleton and
 * O'Reilly, 2015): the point nearest to any probe wins. The random factor lets the second or third
 * point after a probe win now and then, so that a point's share of keys depends on several gaps
 * around it instead of only the gap in front of it: with 256 points per endpoint and 4 probes the
 * spread of the shares is about that of nearest-point hashing with 16 probes and twice the points
 * (see "Consistent hashing: the structure" in {@code docs/design.md}).
 *
 * <p>Each probe scores the {@link #WINDOW} entries from the start of its bucket without branching
 * (entries of the bucket behind the probe cannot win); score, probe and window offset are packed
 * into one {@code long} so that a branch-free minimum applies the tie rule. Since factors are at
 * least 1, no point past a window can win if the distance of the window's last entry already
 * reaches the best score; the few probes for which it does not are scanned exactly afterwards.
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
 * top bits of the position ({@code int[]} of one entry per 1 to 2 points, half a megabyte for 1,000
 * endpoints of weight 1) takes a probe to its window in one jump; the probes of a key are
 * independent, so their cache misses overlap.
 *
 * <p>Building: {@link HashRingUpdate} derives the next ring from the previous one, merging in the
 * sorted points of the endpoints that joined or changed weight and dropping the points of those
 * that left or changed, in one pass of block copies; see there.
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
  private static final int FACTOR_SHIFT = 14;

  /** The largest score factor over the smallest, {@code 2^SPREAD_BITS}. */
  private static final int SPREAD_BITS = 8;

  /**
   * Low bits of a packed score that say which probe ({@code 6} bits) and which window entry ({@code
   * 3} bits) it belongs to: packed scores compare like (score, probe, entry).
   */
  private static final int TAG_BITS = 9;

  /**
   * The score factors {@code 256^(i / 256)} in fixed point: {@code [2^14, 2^22)}, so that a score
   * ({@code distance < 2^32} times a factor) fits in 54 bits and a packed score in 63. Computed
   * with {@link StrictMath} so that every JVM computes the same table, and so the same mapping.
   */
  private static final long[] FACTORS = new long[256];

  static {
    for (int i = 0; i < FACTORS.length; i++) {
      FACTORS[i] = Math.round(StrictMath.pow(2, SPREAD_BITS * i / 256.0) * (1L << FACTOR_SHIFT));
    }
  }

  /**
   * Entries scored per probe without branching: the window starts at the probe's bucket, so it also
   * holds the bucket's points before the probe (masked out); buckets hold 1 to 2 points on average.
   */
  static final int WINDOW = 8;

  /** Entries after the points that repeat the first ones, so that no window wraps. */
  static final int TAIL = WINDOW;

  /**
   * Sorted by position (ties by the owner's seed, then id): {@code position << 32 | slot}; then
   * {@link #TAIL} entries that repeat the first ones (cyclically), so that a window never wraps.
   */
  final long[] points;

  /** The number of points: {@code points.length - TAIL}. */
  private final int n;

  /**
   * {@code bucketStart[b]}: the index of the first point whose position's top bits are {@code >=
   * b}.
   */
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

  /** A ring over {@code points} (with its {@link #TAIL} repeated entries) and their index. */
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
    this.n = points.length - TAIL;
    this.bucketStart = bucketStart;
    this.shift = shift;
    this.candidateOfSlot = candidateOfSlot;
    this.slotIds = slotIds;
    this.slotSeeds = slotSeeds;
    this.slotPoints = slotPoints;
    this.slotOfId = slotOfId;
  }

  /**
   * The position on the circle (unsigned 32 bits) of point {@code k} of the endpoint {@code seed}.
   */
  static long position(long seed, int k) {
    return KeyHashers.fmix64(seed + (k + 1) * GOLDEN) >>> 32;
  }

  /**
   * The {@code j}-th probe of a key hash. Every probe, the first included, goes through
   * MurmurHash3's finalizer, so that a weak key hash still spreads over the whole circle. Its top
   * 32 bits are its place on the circle; its low bits, independent of its place, seed the score
   * factors.
   */
  static long probe(long hash, int j) {
    return KeyHashers.fmix64(hash + j * GOLDEN);
  }

  /**
   * The score of the point at {@code position} for {@code probe} (at {@code at}): its clockwise
   * distance times a factor in {@code [1, 256)} picked by the top byte of a multiplicative hash of
   * the probe and the position. The probe's low bits are independent of its place, so the factor is
   * independent of the distance.
   */
  private static long score(long probe, long at, long position) {
    long distance = (position - at) & 0xffffffffL;
    return distance * FACTORS[(int) (((probe ^ position) * 0xd6e8feb86659fd93L) >>> 56)];
  }

  /** The number of bucket bits for {@code size} points: 1 to 2 points per bucket. */
  static int bucketBits(int size) {
    return Math.max(1, Math.min(26, 31 - Integer.numberOfLeadingZeros(Math.max(1, size))));
  }

  /** The candidate index that owns the point at {@code index}. */
  int owner(int index) {
    return candidateOfSlot[(int) points[index]];
  }

  /** The number of points. */
  int size() {
    return n;
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
    return i == n ? 0 : i;
  }

  /**
   * The index of the point with the smallest score over the key's probes; ties go to the earlier
   * probe, then to the point nearer the probe. See the class documentation.
   *
   * <p>Each probe scores the {@link #WINDOW} entries from the start of its bucket without branching
   * (entries before the probe count as infinitely far), so the probes' memory reads overlap and no
   * branch depends on the data. Only then is each window checked: if the window's last entry is
   * behind the probe, or near enough that a point beyond it could still beat the best score, the
   * probe's scan goes on one point at a time. That happens for a small fraction of probes.
   */
  int lookup(long hash, int probes) {
    return probes == 4 ? lookup4(hash) : lookupAny(hash, probes);
  }

  /**
   * {@link #lookup} with the default 4 probes, unrolled: the four windows are scored side by side,
   * then checked against the final best; only the probes whose window is not conclusive (about one
   * key in fifteen has one) are scanned further, and only when an entry behind its probe wins
   * (which needs a ring of a few points) is the key looked up again the general way.
   */
  private int lookup4(long hash) {
    long[] points = this.points;
    int[] index = this.bucketStart;
    int shift = this.shift;
    long q0 = probe(hash, 0);
    long q1 = probe(hash, 1);
    long q2 = probe(hash, 2);
    long q3 = probe(hash, 3);
    int b0 = (int) (q0 >>> 32 >>> shift);
    int b1 = (int) (q1 >>> 32 >>> shift);
    int b2 = (int) (q2 >>> 32 >>> shift);
    int b3 = (int) (q3 >>> 32 >>> shift);
    int i0 = index[b0];
    int i1 = index[b1];
    int i2 = index[b2];
    int i3 = index[b3];
    int e0 = index[b0 + 1];
    int e1 = index[b1 + 1];
    int e2 = index[b2 + 1];
    int e3 = index[b3 + 1];
    long w0 = window(points, q0, i0, 0);
    long w1 = window(points, q1, i1, 1L << 3);
    long w2 = window(points, q2, i2, 2L << 3);
    long w3 = window(points, q3, i3, 3L << 3);
    long best = min(min(w0, w1), min(w2, w3));
    long unsure =
        unsure(points, q0, i0, e0, 0, best)
            | unsure(points, q1, i1, e1, 1L << 3, best) << 1
            | unsure(points, q2, i2, e2, 2L << 3, best) << 2
            | unsure(points, q3, i3, e3, 3L << 3, best) << 3;
    // The packed scores differ in their probe bits, so exactly one window equals the best.
    int start =
        (i0 & same(best, w0))
            | (i1 & same(best, w1))
            | (i2 & same(best, w2))
            | (i3 & same(best, w3));
    int end =
        (e0 & same(best, w0))
            | (e1 & same(best, w1))
            | (e2 & same(best, w2))
            | (e3 & same(best, w3));
    int bestIndex = start + (int) (best & 7);
    // The windows were not masked: their entries behind the probe score with their distance all the
    // way round the circle, which loses to any entry ahead, unless one of them won.
    long at = probe(hash, (int) (best >>> 3) & 3) >>> 32;
    if (bestIndex < end && points[bestIndex] >>> 32 < at) {
      return lookupAny(hash, 4);
    }
    if (unsure != 0) {
      return settle(hash, best, bestIndex, unsure);
    }
    return bestIndex < n ? bestIndex : bestIndex % n;
  }

  /** -1 if {@code a == b}, else 0, for {@code a, b >= 0}. */
  private static int same(long a, long b) {
    return (int) (((a ^ b) - 1) >> 63);
  }

  /**
   * The smallest packed score of the window from {@code i}, entries behind the probe included with
   * their score all the way round the circle.
   */
  private static long window(long[] points, long probe, int i, long tag) {
    long at = probe >>> 32;
    return min(
        min(
            min(packed(probe, at, points, i, tag), packed(probe, at, points, i + 1, tag | 1)),
            min(
                packed(probe, at, points, i + 2, tag | 2),
                packed(probe, at, points, i + 3, tag | 3))),
        min(
            min(
                packed(probe, at, points, i + 4, tag | 4),
                packed(probe, at, points, i + 5, tag | 5)),
            min(
                packed(probe, at, points, i + 6, tag | 6),
                packed(probe, at, points, i + 7, tag | 7))));
  }

  private static long packed(long probe, long at, long[] points, int i, long tag) {
    return score(probe, at, points[i] >>> 32) << TAG_BITS | tag;
  }

  /**
   * Whether a point past the probe's window could still beat {@code best} (its distance alone does
   * not reach it), or the whole window lies behind the probe.
   */
  private static long unsure(long[] points, long probe, int i, int end, long tag, long best) {
    long at = probe >>> 32;
    long last = points[i + WINDOW - 1] >>> 32;
    long bound = ((last - at) & 0xffffffffL) << (FACTOR_SHIFT + TAG_BITS) | tag;
    long behind = ((last - at) >>> 63) & ((long) (i + WINDOW - 1 - end) >>> 63);
    return (bound - best) >>> 63 | behind;
  }

  /** {@link #lookup} for any number of probes. */
  private int lookupAny(long hash, int probes) {
    long[] points = this.points;
    long best = Long.MAX_VALUE;
    int bestStart = 0;
    long unsure = 0; // probes whose window may not hold their best point, one bit each
    for (int j = 0; j < probes; j++) {
      long probe = probe(hash, j);
      long at = probe >>> 32;
      int bucket = (int) (at >>> shift);
      int i = bucketStart[bucket];
      int end = bucketStart[bucket + 1];
      long tag = (long) j << 3;
      long window =
          min(
              min(
                  min(
                      entry(probe, at, points, i, end, tag),
                      entry(probe, at, points, i + 1, end, tag | 1)),
                  min(
                      entry(probe, at, points, i + 2, end, tag | 2),
                      entry(probe, at, points, i + 3, end, tag | 3))),
              min(
                  min(
                      entry(probe, at, points, i + 4, end, tag | 4),
                      entry(probe, at, points, i + 5, end, tag | 5)),
                  min(
                      entry(probe, at, points, i + 6, end, tag | 6),
                      entry(probe, at, points, i + 7, end, tag | 7))));
      long better = (window - best) >> 63;
      bestStart = (i & (int) better) | (bestStart & ~(int) better);
      best = min(best, window);
      // Any point past the window scores at least its distance (factors are >= 1). If that bound
      // beats the best so far, or the whole window lies behind the probe, the probe is rechecked
      // against the final best.
      long last = points[i + WINDOW - 1] >>> 32;
      long bound = ((last - at) & 0xffffffffL) << (FACTOR_SHIFT + TAG_BITS) | tag;
      long behind = ((last - at) >>> 63) & ((long) (i + WINDOW - 1 - end) >>> 63);
      unsure |= ((bound - best) >>> 63 | behind) << j;
    }
    return settle(hash, best, bestStart + (int) (best & 7), unsure);
  }

  /**
   * The final answer, given the best packed score and its index over the windows, after the exact
   * scan of each probe in {@code unsure} (one bit per probe) whose window could hide a better
   * point.
   */
  private int settle(long hash, long best, int bestIndex, long unsure) {
    long[] points = this.points;
    while (unsure != 0) {
      int j = Long.numberOfTrailingZeros(unsure);
      unsure &= unsure - 1;
      long probe = probe(hash, j);
      long at = probe >>> 32;
      int bucket = (int) (at >>> shift);
      int last = bucketStart[bucket] + WINDOW - 1;
      long position = points[last] >>> 32;
      boolean behind = last < bucketStart[bucket + 1] && position < at;
      long bound = ((position - at) & 0xffffffffL) << (FACTOR_SHIFT + TAG_BITS) | (long) j << 3;
      if (behind || bound < best) {
        int found = scanBeyond(probe, j, best, behind ? -1 : last);
        if (found >= 0) {
          best = score(probe, at, points[found] >>> 32) << TAG_BITS | (long) j << 3 | 7;
          bestIndex = found;
        }
      }
    }
    return bestIndex < n ? bestIndex : bestIndex % n;
  }

  /**
   * The packed score of window entry {@code i} for a probe: its score, then the probe number and
   * the entry's place in the window ({@code tag}); {@code Long.MAX_VALUE} for an entry of the
   * probe's bucket (ending at {@code end}) that lies behind the probe. Branch-free: the mask is a
   * sign bit.
   */
  private static long entry(long probe, long at, long[] points, int i, int end, long tag) {
    long position = points[i] >>> 32;
    long behind = ((position - at) >> 63) & ((long) (i - end) >> 63);
    return (score(probe, at, position) << TAG_BITS | tag) | behind >>> 1;
  }

  /** {@code min(a, b)} without a branch, for {@code a, b >= 0}. */
  private static long min(long a, long b) {
    long d = a - b;
    return b + (d & (d >> 63));
  }

  /**
   * The exact scan of probe {@code j} past its window (from its successor when the window did not
   * reach the probe): the index of a point that beats the packed score {@code best} (a smaller
   * score, or an equal one from an earlier probe), or -1.
   */
  private int scanBeyond(long probe, int j, long best, int last) {
    long at = probe >>> 32;
    long bestScore = best >>> TAG_BITS;
    int bestProbe = (int) (best >>> 3) & 63;
    int i = last < 0 ? successor(at) : (last + 1) % n;
    int found = -1;
    for (int step = 0; step < n; step++) {
      long position = points[i] >>> 32;
      long bound = ((position - at) & 0xffffffffL) << FACTOR_SHIFT;
      if (bound > bestScore || (bound == bestScore && j >= bestProbe)) {
        break;
      }
      long score = score(probe, at, position);
      if (score < bestScore || (score == bestScore && j < bestProbe)) {
        bestScore = score;
        bestProbe = j;
        found = i;
      }
      i = i + 1 == n ? 0 : i + 1;
    }
    return found;
  }

  /**
   * {@link #lookup} on the ring without the points of owners {@code allowed} rejects: where the key
   * would go if those endpoints left. {@code -1} when no owner is allowed. An exact scan per probe,
   * for the retry path.
   */
  int lookupExcluding(long hash, int probes, IntPredicate allowed) {
    long[] points = this.points;
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
          break; // no point further on can score lower: factors are at least 1
        }
        if (allowed.test(owner(i))) {
          long score = score(probe, at, position);
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
    for (int step = 0; step < n; step++) {
      if (allowed.test(owner(index))) {
        return index;
      }
      index = index + 1 == n ? 0 : index + 1;
    }
    return -1;
  }
}
