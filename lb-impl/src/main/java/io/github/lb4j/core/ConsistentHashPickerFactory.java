package io.github.lb4j.core;

import io.github.lb4j.Candidate;
import io.github.lb4j.KeyHasher;
import io.github.lb4j.Picker;
import io.github.lb4j.PickerContext;
import io.github.lb4j.PickerFactory;
import io.github.lb4j.ReservingPicker;
import java.util.List;
import java.util.Set;

/**
 * Consistent hashing on a {@link HashRing}, optionally with bounded loads.
 *
 * <p>Bounded loads (Mirrokni, Thorup and Zadimoghaddam, 2017; Envoy's {@code hash_balance_factor}):
 * with a factor {@code c > 1}, an endpoint may hold at most {@code ceil(c * (inFlight + 1) * weight
 * / totalWeight)} calls, where {@code inFlight} is the balancer's total. A key whose endpoint is
 * full walks clockwise to the next endpoint under its cap. Below the cap the mapping is exactly the
 * plain ring's, so affinity holds in steady state. Since the caps add up to more than the total,
 * some endpoint is always under its cap. With {@code acquire()}, checking the cap and counting the
 * call are one atomic step, so concurrent callers never push an endpoint past its cap. Every cap is
 * at least one call, so an idle endpoint is under it whatever the total: the balancer-wide total (a
 * read of every thread's stripe) is read only when the walk meets a busy endpoint.
 *
 * <p>Bounded loads honour warm-up: a warming endpoint's cap is its share of its normal cap (at
 * least one call). The plain ring ignores warm-up, since moving keys away would break affinity.
 *
 * <p>A call without a key lands on a random point of the ring.
 *
 * <p>Threading: the factory is called by the balancer's writer; its pickers are immutable apart
 * from the in-flight counters they read, and safe for any number of concurrent callers.
 */
final class ConsistentHashPickerFactory implements PickerFactory {
  /**
   * Places endpoints on the ring: 64 bits from every character of the id, whatever the key hasher,
   * so that endpoints never share points (a 32-bit or weak key hash would make that likely).
   */
  private static final KeyHasher ID_HASHER = KeyHashers.murmur3();

  private final int virtualNodes;
  private final int probes;
  private final double loadFactor;
  private final KeyHasher hasher;
  private final Rng rng;

  /**
   * The ring built last, from which the next one is derived (only the endpoints that changed are
   * touched). Rings are immutable; the field is written by the balancer's writer only, and is
   * volatile so that a factory shared by mistake between balancers still builds correct rings.
   */
  private volatile HashRing previous = HashRingUpdate.EMPTY;

  ConsistentHashPickerFactory(
      int virtualNodes, int probes, double loadFactor, KeyHasher hasher, Rng rng) {
    this.virtualNodes = virtualNodes;
    this.probes = probes;
    this.loadFactor = loadFactor;
    this.hasher = hasher;
    this.rng = rng;
  }

  @Override
  public String name() {
    return loadFactor == 0 ? "consistent-hash" : "consistent-hash-bounded";
  }

  @Override
  public boolean usesTotalInFlight() {
    return loadFactor != 0;
  }

  @Override
  public Picker newPicker(List<Candidate> candidates, PickerContext context) {
    Candidate[] array = candidates.toArray(new Candidate[0]);
    HashRing ring = HashRingUpdate.next(previous, candidates, virtualNodes, ID_HASHER);
    previous = ring;
    if (loadFactor == 0) {
      return new Plain(array, ring);
    }
    return new Bounded(array, ring, Weights.exact(candidates), context);
  }

  private static int next(int index, int size) {
    return index + 1 == size ? 0 : index + 1;
  }

  /**
   * Where the key goes on the ring without the excluded endpoints (so a key's fallback is where it
   * would land if they left), or -1 when all are excluded.
   */
  private int startExcluding(
      HashRing ring, Candidate[] candidates, String key, Set<String> exclude) {
    java.util.function.IntPredicate allowed =
        owner -> !exclude.contains(candidates[owner].endpoint().id());
    return key == null
        ? ring.firstAllowed(rng.nextInt(ring.size()), allowed)
        : ring.lookupExcluding(hasher.hash(key), probes, allowed);
  }

  private int start(HashRing ring, String key) {
    return key == null ? rng.nextInt(ring.size()) : ring.lookup(hasher.hash(key), probes);
  }

  private final class Plain implements AffinityPicker {
    private final Candidate[] candidates;
    private final HashRing ring;

    Plain(Candidate[] candidates, HashRing ring) {
      this.candidates = candidates;
      this.ring = ring;
    }

    @Override
    public Candidate pick(String key) {
      return candidates[ring.owner(start(ring, key))];
    }

    @Override
    public Candidate home(String key) {
      return pick(key);
    }

    @Override
    public Candidate pick(String key, Set<String> exclude) {
      int index = startExcluding(ring, candidates, key, exclude);
      return index < 0 ? null : candidates[ring.owner(index)];
    }
  }

  private final class Bounded implements ReservingPicker, AffinityPicker {
    private final Candidate[] candidates;
    private final HashRing ring;
    // Weights with the warm-up factor applied: a warming endpoint's cap is scaled by its share.
    private final double[] weights;
    private final double capPerUnitWeight;
    private final PickerContext context;

    Bounded(Candidate[] candidates, HashRing ring, double[] weights, PickerContext context) {
      this.candidates = candidates;
      this.ring = ring;
      this.weights = weights;
      this.capPerUnitWeight = loadFactor / Weights.sum(weights);
      this.context = context;
    }

    @Override
    public Candidate pick(String key) {
      return walk(key, false);
    }

    @Override
    public Candidate home(String key) {
      return candidates[ring.owner(start(ring, key))];
    }

    /**
     * Without exclusions: the first endpoint under its bound from where the key goes. With them:
     * from where the key would go without the excluded endpoints, the first allowed endpoint under
     * its bound; when every allowed endpoint is at its bound (the excluded ones take no share of
     * the load, so the others can fill up), the first allowed one regardless: a retry must go
     * somewhere.
     */
    @Override
    public Candidate reserve(String key, Set<String> exclude) {
      if (exclude.isEmpty()) {
        return walk(key, true);
      }
      int index = startExcluding(ring, candidates, key, exclude);
      if (index < 0) {
        return null;
      }
      Candidate reserved = walk(index, true, exclude);
      if (reserved == null) {
        reserved = candidates[ring.owner(index)];
        if (!reserved.tryReserve(Integer.MAX_VALUE)) {
          return null;
        }
      }
      return reserved;
    }

    private Candidate walk(String key, boolean acquire) {
      return walk(start(ring, key), acquire, Set.of());
    }

    private Candidate walk(int start, boolean acquire, Set<String> exclude) {
      int size = ring.size();
      // Concurrent acquirers can fill every endpoint up to a cap computed from a total read a
      // moment earlier; the total is re-read at each turn and the walk retried, so the cap catches
      // up with them. Eight full turns failing in a row would take sustained, adversarial racing.
      for (int turn = 0; turn < 8; turn++) {
        double capPerWeight = 0; // read when a busy endpoint needs it
        int previous = -1;
        for (int step = 0, index = start; step < size; step++, index = next(index, size)) {
          int owner = ring.owner(index);
          if (owner == previous) {
            continue;
          }
          previous = owner;
          Candidate c = candidates[owner];
          if (!exclude.isEmpty() && exclude.contains(c.endpoint().id())) {
            continue;
          }
          // Every cap is at least 1, so an idle endpoint is under its cap whatever the total: it
          // is taken without reading the balancer-wide total (a read of every thread's stripe).
          if (c.inFlight() == 0 && (!acquire || c.tryReserve(1))) {
            return c;
          }
          if (capPerWeight == 0) {
            capPerWeight = capPerUnitWeight * (context.totalInFlight() + 1);
          }
          int cap = (int) Math.ceil(capPerWeight * weights[owner]);
          if (acquire ? c.tryReserve(cap) : c.inFlight() < cap) {
            return c;
          }
        }
      }
      return null;
    }
  }
}
