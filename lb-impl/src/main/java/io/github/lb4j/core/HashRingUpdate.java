package io.github.lb4j.core;

import io.github.lb4j.Candidate;
import io.github.lb4j.KeyHasher;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the next {@link HashRing} from the previous one and the full new list of candidates.
 *
 * <p>The candidates are compared with the previous ring's members by id and weight. An endpoint
 * that stays with the same weight keeps its slot and its points untouched, whatever its place in
 * the new list (only the slot-to-candidate table is rebuilt, in time linear in the number of
 * endpoints). An endpoint that left loses its points; one that joined gets a free slot and its
 * points; one whose weight changed loses its points and gets them again for the new weight, under
 * the same slot. The new points are sorted on their own, their places in the previous array are
 * found through its bucket index, and the next array is written in one pass of block copies around
 * the removed and inserted entries; the bucket index is shifted by the counts of removed and
 * inserted points before each bucket. A one-endpoint change thus costs a copy of the point array
 * plus work in proportion to that endpoint's points.
 *
 * <p>The result depends only on the new candidates' ids and weights (and the fixed configuration),
 * never on the previous ring: slots are internal labels that the mapping never looks at, and every
 * order the mapping does depend on (points at equal positions) comes from the endpoints' ids.
 *
 * <p>Threading: stateless; the rings it reads and returns are immutable.
 */
final class HashRingUpdate {
  /** A ring with no members, to build the first ring from. */
  static final HashRing EMPTY =
      new HashRing(
          new long[HashRing.TAIL],
          new int[3],
          31,
          new int[0],
          new String[0],
          new long[0],
          new int[0],
          Map.of());

  /** Above this many new points, a radix sort instead of a comparison sort. */
  private static final int RADIX_THRESHOLD = 1 << 14;

  private HashRingUpdate() {}

  /**
   * The ring for {@code candidates}, each with {@code virtualNodes * weight} points.
   *
   * @param previous the ring built last by the same configuration, or {@link #EMPTY}
   * @throws IllegalArgumentException when the candidates are empty, hold an id twice, or would need
   *     more than {@link HashRing#MAX_POINTS} points
   */
  static HashRing next(
      HashRing previous, List<Candidate> candidates, int virtualNodes, KeyHasher hasher) {
    int n = candidates.size();
    if (n == 0) {
      throw new IllegalArgumentException("candidates: [] (expected: at least one)");
    }
    int oldCapacity = previous.slotIds.length;
    int[] slotOfCandidate = new int[n];
    boolean[] kept = new boolean[oldCapacity];
    long total = 0;
    int joined = 0;
    boolean reweighted = false;
    for (int i = 0; i < n; i++) {
      Candidate c = candidates.get(i);
      String id = c.endpoint().id();
      long count = (long) c.weight() * virtualNodes;
      total += count;
      Integer slot = previous.slotOfId.get(id);
      if (slot == null) {
        slotOfCandidate[i] = -1;
        joined++;
      } else {
        if (kept[slot]) {
          throw duplicate(id);
        }
        kept[slot] = true;
        slotOfCandidate[i] = slot;
        reweighted |= previous.slotPoints[slot] != count;
      }
    }
    if (total > HashRing.MAX_POINTS) {
      throw new IllegalArgumentException(
          "points: "
              + total
              + " (expected: <= "
              + HashRing.MAX_POINTS
              + "; the ring needs virtualNodes ("
              + virtualNodes
              + ") times the total weight of the "
              + n
              + " endpoints: lower the weights or virtualNodes)");
    }
    int stayed = n - joined;
    if (joined == 0 && !reweighted && stayed == previous.slotOfId.size()) {
      // Same members, same weights: share the points, only the candidate order may differ.
      return new HashRing(
          previous.points,
          previous.bucketStart,
          previous.shift,
          candidateOfSlot(slotOfCandidate, oldCapacity),
          previous.slotIds,
          previous.slotSeeds,
          previous.slotPoints,
          previous.slotOfId);
    }

    // The new membership, by slot.
    int capacity = Math.max(oldCapacity, n);
    String[] ids = Arrays.copyOf(previous.slotIds, capacity);
    long[] seeds = Arrays.copyOf(previous.slotSeeds, capacity);
    int[] counts = Arrays.copyOf(previous.slotPoints, capacity);
    // Points k >= dropFrom[s] of old slot s go; points k >= addFrom[s] of new slot s come.
    int[] dropFrom = new int[oldCapacity];
    int[] addFrom = new int[capacity];
    boolean[] drop = new boolean[oldCapacity];
    boolean partial = false;
    long dropped = 0;
    Map<String, Integer> slotOfId = previous.slotOfId;
    boolean idsChanged = joined > 0 || stayed != previous.slotOfId.size();
    if (idsChanged) {
      slotOfId = new HashMap<>(previous.slotOfId);
    }
    for (int s = 0; s < oldCapacity; s++) {
      if (ids[s] != null && !kept[s]) {
        slotOfId.remove(ids[s]);
        drop[s] = true;
        dropFrom[s] = 0;
        dropped += counts[s];
        ids[s] = null;
        seeds[s] = 0;
        counts[s] = 0;
      }
    }
    long added = 0;
    int free = 0;
    boolean[] fresh = new boolean[capacity];
    for (int i = 0; i < n; i++) {
      Candidate c = candidates.get(i);
      int count = c.weight() * virtualNodes; // fits: the total was checked
      int slot = slotOfCandidate[i];
      if (slot < 0) {
        while (ids[free] != null) {
          free++;
        }
        slot = free;
        String id = c.endpoint().id();
        if (slotOfId.putIfAbsent(id, slot) != null) {
          throw duplicate(id);
        }
        ids[slot] = id;
        seeds[slot] = hasher.hash(id);
        counts[slot] = count;
        slotOfCandidate[i] = slot;
        fresh[slot] = true;
        addFrom[slot] = 0;
        added += count;
      } else if (counts[slot] > count) {
        // Lighter: its first `count` points stay, the rest go.
        drop[slot] = true;
        partial = true;
        dropFrom[slot] = count;
        dropped += counts[slot] - count;
        counts[slot] = count;
      } else if (counts[slot] < count) {
        // Heavier: its points stay, and points counts[slot] .. count - 1 come.
        fresh[slot] = true;
        addFrom[slot] = counts[slot];
        added += count - counts[slot];
        counts[slot] = count;
      }
    }

    long[] insert = newPoints(fresh, addFrom, seeds, counts, ids, (int) added);
    int[] removed = removedIndices(previous, drop, dropFrom, partial, (int) dropped);
    int[] before = insertionIndices(previous, insert, seeds, ids);
    long[] points = merge(previous.points, previous.size(), removed, insert, before);
    int size = points.length - HashRing.TAIL;
    int bits = HashRing.bucketBits(size);
    int[] bucketStart =
        bits == 32 - previous.shift && previous.size() > 0
            ? shiftedIndex(previous.bucketStart, previous.points, removed, insert, 32 - bits)
            : index(points, size, bits);
    return new HashRing(
        points,
        bucketStart,
        32 - bits,
        candidateOfSlot(slotOfCandidate, capacity),
        ids,
        seeds,
        counts,
        slotOfId);
  }

  private static IllegalArgumentException duplicate(String id) {
    return new IllegalArgumentException(
        "candidates: endpoint id '" + id + "' twice (expected: distinct ids)");
  }

  private static int[] candidateOfSlot(int[] slotOfCandidate, int capacity) {
    int[] result = new int[capacity];
    Arrays.fill(result, -1);
    for (int i = 0; i < slotOfCandidate.length; i++) {
      result[slotOfCandidate[i]] = i;
    }
    return result;
  }

  /** The points of the fresh slots, sorted in ring order. */
  private static long[] newPoints(
      boolean[] fresh, int[] addFrom, long[] seeds, int[] counts, String[] ids, int size) {
    long[] points = new long[size];
    int p = 0;
    for (int s = 0; s < fresh.length; s++) {
      if (fresh[s]) {
        long seed = seeds[s];
        for (int k = addFrom[s], count = counts[s]; k < count; k++) {
          points[p++] = HashRing.position(seed, k) << 32 | s;
        }
      }
    }
    if (size >= RADIX_THRESHOLD) {
      radixSortByPosition(points);
    } else {
      // Unsigned order of the entries is position order, then slot order.
      for (int i = 0; i < size; i++) {
        points[i] ^= Long.MIN_VALUE;
      }
      Arrays.sort(points);
      for (int i = 0; i < size; i++) {
        points[i] ^= Long.MIN_VALUE;
      }
    }
    orderTies(points, seeds, ids);
    return points;
  }

  /** Stable sort by the top 32 bits, two passes of 16 bits. */
  private static void radixSortByPosition(long[] points) {
    long[] buffer = new long[points.length];
    int[] count = new int[1 << 16];
    for (int pass = 0, shift = 32; pass < 2; pass++, shift += 16) {
      long[] from = pass == 0 ? points : buffer;
      long[] to = pass == 0 ? buffer : points;
      Arrays.fill(count, 0);
      for (long e : from) {
        count[(int) (e >>> shift) & 0xffff]++;
      }
      for (int i = 0, sum = 0; i < count.length; i++) {
        int c = count[i];
        count[i] = sum;
        sum += c;
      }
      for (long e : from) {
        to[count[(int) (e >>> shift) & 0xffff]++] = e;
      }
    }
  }

  /**
   * Orders each run of equal positions by the owners' seeds, then ids (insertion sort: runs are
   * tiny).
   */
  private static void orderTies(long[] points, long[] seeds, String[] ids) {
    for (int i = 1; i < points.length; i++) {
      if (points[i] >>> 32 != points[i - 1] >>> 32) {
        continue;
      }
      long e = points[i];
      int j = i - 1;
      while (j >= 0
          && points[j] >>> 32 == e >>> 32
          && before((int) e, (int) points[j], seeds, ids, seeds, ids)) {
        points[j + 1] = points[j];
        j--;
      }
      points[j + 1] = e;
    }
  }

  /**
   * Whether, at equal positions, the point of slot {@code a} (described by {@code seedsA}, {@code
   * idsA}) comes before that of slot {@code b}: smaller seed (unsigned) first, then smaller id.
   */
  private static boolean before(
      int a, int b, long[] seedsA, String[] idsA, long[] seedsB, String[] idsB) {
    int bySeed = Long.compareUnsigned(seedsA[a], seedsB[b]);
    return bySeed != 0 ? bySeed < 0 : idsA[a].compareTo(idsB[b]) < 0;
  }

  /**
   * The sorted indices in the previous ring of the dropped points: points {@code k >= dropFrom[s]}
   * of each slot {@code s} with {@code drop[s]}.
   */
  private static int[] removedIndices(
      HashRing previous, boolean[] drop, int[] dropFrom, boolean partial, int dropped) {
    long[] old = previous.points;
    int oldSize = previous.size();
    int[] removed = new int[dropped];
    if (dropped == 0) {
      return removed;
    }
    int r = 0;
    if (!partial && dropped > oldSize / 8) {
      // Many whole endpoints: one pass.
      for (int i = 0; i < oldSize; i++) {
        if (drop[(int) old[i]]) {
          removed[r++] = i;
        }
      }
      return removed;
    }
    // Find each point from its position: the first entry of its slot at that position. The
    // entries of one slot at one position are adjacent (equal positions are ordered by seed), so
    // when an endpoint has several dropped points at one position, the repeats are moved on to
    // the next entries of that run after sorting.
    for (int s = 0; s < drop.length; s++) {
      if (!drop[s]) {
        continue;
      }
      long seed = previous.slotSeeds[s];
      for (int k = dropFrom[s], count = previous.slotPoints[s]; k < count; k++) {
        long position = HashRing.position(seed, k);
        int i = lowerBound(previous, position);
        while (i < oldSize && (old[i] >>> 32 != position || (int) old[i] != s)) {
          i++;
        }
        if (i == oldSize || old[i] >>> 32 != position) {
          throw new IllegalStateException("point " + k + " of slot " + s + " not in the ring");
        }
        removed[r++] = i;
      }
    }
    Arrays.sort(removed);
    for (int i = 1; i < removed.length; i++) {
      if (removed[i] <= removed[i - 1]) {
        int next = removed[i - 1] + 1;
        if (next >= oldSize || old[next] != old[removed[i]]) {
          throw new IllegalStateException("points of one slot at one position are not adjacent");
        }
        removed[i] = next;
      }
    }
    return removed;
  }

  /** The index of the first entry of the previous ring whose position is {@code >= position}. */
  private static int lowerBound(HashRing ring, long position) {
    long[] points = ring.points;
    int bucket = (int) (position >>> ring.shift);
    int i = ring.bucketStart[bucket];
    int end = ring.bucketStart[bucket + 1];
    while (i < end && points[i] >>> 32 < position) {
      i++;
    }
    return i;
  }

  /**
   * For each new point, the index of the first entry of the previous ring that comes after it (its
   * place in the merged ring is just before that entry).
   */
  private static int[] insertionIndices(
      HashRing previous, long[] insert, long[] seeds, String[] ids) {
    long[] old = previous.points;
    int oldSize = previous.size();
    int[] before = new int[insert.length];
    if (oldSize == 0) {
      return before;
    }
    for (int a = 0; a < insert.length; a++) {
      long position = insert[a] >>> 32;
      int i = lowerBound(previous, position);
      while (i < oldSize
          && old[i] >>> 32 == position
          && before(
              (int) old[i], (int) insert[a], previous.slotSeeds, previous.slotIds, seeds, ids)) {
        i++;
      }
      before[a] = i;
    }
    return before;
  }

  /**
   * The first {@code oldSize} previous points without {@code removed} and with {@code insert}, by
   * block copies; then the ring's repeated entries.
   */
  private static long[] merge(long[] old, int oldSize, int[] removed, long[] insert, int[] before) {
    int size = oldSize - removed.length + insert.length;
    long[] points = new long[size + HashRing.TAIL];
    int o = 0;
    int from = 0;
    int r = 0;
    int a = 0;
    while (true) {
      int nextRemoved = r < removed.length ? removed[r] : oldSize;
      int nextInserted = a < insert.length ? before[a] : oldSize;
      int next = Math.min(nextRemoved, nextInserted);
      int length = next - from;
      if (length > 0) {
        System.arraycopy(old, from, points, o, length);
        o += length;
      }
      from = next;
      if (a < insert.length && before[a] == next) {
        while (a < insert.length && before[a] == next) {
          points[o++] = insert[a++];
        }
      } else if (r < removed.length && removed[r] == next) {
        from = next + 1;
        r++;
      } else {
        for (int t = 0; t < HashRing.TAIL; t++) {
          points[size + t] = size == 0 ? 0 : points[t % size];
        }
        return points;
      }
    }
  }

  /**
   * The previous bucket index, each start moved by the points removed before it and the points
   * inserted into earlier buckets (same bucket count). The shift changes only at the buckets of the
   * removed and inserted points, so the index is written range by range with a constant shift: a
   * loop the compiler vectorizes, instead of a test per bucket.
   */
  private static int[] shiftedIndex(
      int[] old, long[] oldPoints, int[] removed, long[] insert, int shift) {
    int[] index = new int[old.length];
    int r = 0;
    int a = 0;
    int delta = 0;
    int from = 0;
    while (from < old.length) {
      // Every removed or inserted point in a bucket below `from` is counted in `delta`; the next
      // bucket where the shift changes is just after the next such point's bucket.
      int nextRemoved = r < removed.length ? bucketAfter(oldPoints[removed[r]], shift) : old.length;
      int nextInserted = a < insert.length ? bucketAfter(insert[a], shift) : old.length;
      int to = Math.min(Math.min(nextRemoved, nextInserted), old.length);
      for (int b = from; b < to; b++) {
        index[b] = old[b] + delta;
      }
      from = to;
      while (r < removed.length && bucketAfter(oldPoints[removed[r]], shift) == to) {
        r++;
        delta--;
      }
      while (a < insert.length && bucketAfter(insert[a], shift) == to) {
        a++;
        delta++;
      }
    }
    return index;
  }

  /** The bucket just after the one holding {@code entry}. */
  private static int bucketAfter(long entry, int shift) {
    return (int) (entry >>> 32 >>> shift) + 1;
  }

  /**
   * A bucket index of {@code 2^bits} buckets over the first {@code size} sorted points, in one
   * pass.
   */
  static int[] index(long[] points, int size, int bits) {
    int buckets = 1 << bits;
    int shift = 32 - bits;
    int[] index = new int[buckets + 1];
    int b = 0;
    for (int i = 0; i < size; i++) {
      int bucket = (int) (points[i] >>> 32 >>> shift);
      while (b <= bucket) {
        index[b++] = i;
      }
    }
    while (b <= buckets) {
      index[b++] = size;
    }
    return index;
  }
}
