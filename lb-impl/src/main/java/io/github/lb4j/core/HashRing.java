package io.github.lb4j.core;

import io.github.lb4j.Candidate;
import io.github.lb4j.KeyHasher;

/**
 * An immutable consistent-hash ring: virtual nodes on a 64-bit circle, each owned by a candidate.
 *
 * <p>Each endpoint gets {@code virtualNodes * weight} points. Its points are derived from the hash of
 * its id alone (a counter mixed with MurmurHash3's finalizer), so an endpoint's points never depend
 * on who else is a member: adding or removing one endpoint moves exactly the keys whose nearest
 * point it owns, and no others.
 *
 * <p>Lookup is multi-probe (Appleton and O'Reilly, 2015): {@code probes} values derived from the
 * key's hash are each placed on the circle, and the key goes to the point that follows its probe
 * most closely. With random virtual nodes alone, evening out the load takes about a
 * thousand points per endpoint (the spread of an endpoint's share falls as one over the square root
 * of its point count), which makes rings for large memberships slow to build; probing the ring
 * several times reaches a better spread with a few hundred points per endpoint. Each probe's winner can only
 * change when its successor point joins or leaves, so the minimal-disruption property holds: a key
 * moves only to a joining endpoint or away from a leaving one. With one probe this is the classic
 * ring.
 *
 * <p>Layout: positions sorted as unsigned numbers in a {@code long[]}, owners in a parallel {@code
 * int[]}, plus a bucket index over the top bits of the position. Because points are uniform, a
 * counting sort into about one point per bucket followed by an insertion sort of each tiny bucket
 * builds the ring in linear time; a lookup jumps to its bucket and scans about one entry, instead of
 * a 20-step binary search over a large array.
 */
final class HashRing {
  /** Keeps the ring's memory bounded (32 MiB of positions) whatever the weights. */
  static final int MAX_POINTS = 1 << 22;

  private static final long GOLDEN = 0x9e3779b97f4a7c15L;

  final long[] positions;
  final int[] owners;
  private final int[] bucketStart;
  private final int shift;

  private HashRing(long[] positions, int[] owners, int[] bucketStart, int shift) {
    this.positions = positions;
    this.owners = owners;
    this.bucketStart = bucketStart;
    this.shift = shift;
  }

  static HashRing build(Candidate[] candidates, int virtualNodes, KeyHasher hasher) {
    long totalWeight = 0;
    for (Candidate c : candidates) {
      totalWeight += c.weight();
    }
    double scale = Math.min(1.0, (double) MAX_POINTS / (totalWeight * virtualNodes));
    int[] counts = new int[candidates.length];
    int size = 0;
    for (int i = 0; i < candidates.length; i++) {
      counts[i] = (int) Math.max(1, Math.round(candidates[i].weight() * virtualNodes * scale));
      size += counts[i];
    }
    int bits = Math.max(1, Math.min(24, 64 - Long.numberOfLeadingZeros(size - 1L)));
    int shift = 64 - bits;
    long[] unsorted = new long[size];
    int[] unsortedOwners = new int[size];
    int[] bucketStart = new int[(1 << bits) + 1];
    for (int i = 0, p = 0; i < candidates.length; i++) {
      long seed = hasher.hash(candidates[i].endpoint().id());
      for (int k = 0; k < counts[i]; k++, p++) {
        long position = KeyHashers.fmix64(seed + (k + 1) * GOLDEN);
        unsorted[p] = position;
        unsortedOwners[p] = i;
        bucketStart[(int) (position >>> shift) + 1]++;
      }
    }
    for (int b = 1; b < bucketStart.length; b++) {
      bucketStart[b] += bucketStart[b - 1];
    }
    long[] positions = new long[size];
    int[] owners = new int[size];
    int[] cursor = bucketStart.clone();
    for (int p = 0; p < size; p++) {
      int at = cursor[(int) (unsorted[p] >>> shift)]++;
      positions[at] = unsorted[p];
      owners[at] = unsortedOwners[p];
    }
    for (int b = 0; b + 1 < bucketStart.length; b++) {
      insertionSort(positions, owners, bucketStart[b], bucketStart[b + 1]);
    }
    return new HashRing(positions, owners, bucketStart, shift);
  }

  private static void insertionSort(long[] positions, int[] owners, int from, int to) {
    for (int i = from + 1; i < to; i++) {
      long p = positions[i];
      int o = owners[i];
      int j = i - 1;
      while (j >= from && Long.compareUnsigned(positions[j], p) > 0) {
        positions[j + 1] = positions[j];
        owners[j + 1] = owners[j];
        j--;
      }
      positions[j + 1] = p;
      owners[j + 1] = o;
    }
  }

  /** The index of the first point at or after {@code hash} on the circle, wrapping to 0. */
  int indexOf(long hash) {
    int bucket = (int) (hash >>> shift);
    int i = bucketStart[bucket];
    int end = bucketStart[bucket + 1];
    while (i < end && Long.compareUnsigned(positions[i], hash) < 0) {
      i++;
    }
    // Past the bucket's last point, the answer is the next bucket's first point: index `end`.
    return i == positions.length ? 0 : i;
  }

  /**
   * The index of the point that follows one of the key's probes most closely; {@code probes == 1}
   * is the classic ring lookup (of the mixed hash).
   */
  int lookup(long hash, int probes) {
    int best = -1;
    long bestDistance = 0;
    for (int j = 0; j < probes; j++) {
      long probe = probe(hash, j);
      int index = indexOf(probe);
      long distance = positions[index] - probe; // unsigned: wraps around the circle correctly
      if (best < 0 || Long.compareUnsigned(distance, bestDistance) < 0) {
        best = index;
        bestDistance = distance;
      }
    }
    return best;
  }

  /**
   * The {@code j}-th probe of a key hash. Every probe, the first included, goes through MurmurHash3's
   * finalizer, so that a weak key hash (an unmixed {@code String.hashCode} of similar keys lands in
   * one narrow arc) still spreads over the whole circle.
   */
  static long probe(long hash, int j) {
    return KeyHashers.fmix64(hash + j * GOLDEN);
  }

  /**
   * {@link #lookup} on the ring without the points of owners {@code allowed} rejects: where the key
   * would go if those endpoints left. {@code -1} when no owner is allowed.
   */
  int lookupExcluding(long hash, int probes, java.util.function.IntPredicate allowed) {
    int best = -1;
    long bestDistance = 0;
    for (int j = 0; j < probes; j++) {
      long probe = probe(hash, j);
      int index = firstAllowed(indexOf(probe), allowed);
      if (index < 0) {
        return -1;
      }
      long distance = positions[index] - probe;
      if (best < 0 || Long.compareUnsigned(distance, bestDistance) < 0) {
        best = index;
        bestDistance = distance;
      }
    }
    return best;
  }

  /** The first index at or after {@code index}, clockwise, whose owner is allowed; or -1. */
  int firstAllowed(int index, java.util.function.IntPredicate allowed) {
    for (int step = 0; step < positions.length; step++) {
      if (allowed.test(owners[index])) {
        return index;
      }
      index = index + 1 == positions.length ? 0 : index + 1;
    }
    return -1;
  }

  int size() {
    return positions.length;
  }
}
