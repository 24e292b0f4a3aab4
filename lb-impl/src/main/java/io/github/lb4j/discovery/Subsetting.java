package io.github.lb4j.discovery;

import io.github.lb4j.Endpoint;
import io.github.lb4j.KeyHasher;
import io.github.lb4j.core.KeyHashers;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Deterministic subsetting for large fleets: each client talks to {@code subsetSize} of the N
 * endpoints, chosen so that every endpoint gets about the same number of clients and a change of
 * one endpoint moves few subset members.
 *
 * <pre>{@code
 * Subsetting subsetting = new Subsetting(taskIndex, 20, fleetSeed);
 * Discovery.bind(subsetting.apply(DnsDiscovery.dnsSrv(name).build()), balancer);
 * }</pre>
 *
 * <p>The algorithm is the deterministic subsetting of Google's SRE book (chapter 20), with the
 * per-round shuffle replaced by a rendezvous order: clients are grouped into rounds of {@code m =
 * ceil(N / subsetSize)}; the clients of a round (ids {@code round × m} to {@code round × m + m -
 * 1}) split one order of the endpoints into {@code m} consecutive slices of {@code floor(N / m)} or
 * {@code ceil(N / m)} endpoints, so that every endpoint serves exactly one client of each full
 * round. The round's order sorts the endpoints by a hash of their id and the round (and the seed),
 * so each round orders differently, and an endpoint that leaves only closes its gap: the others
 * keep their relative order, and a slice changes by at most the one endpoint at each of its ends. A
 * shuffle (the book's) reorders everything when one endpoint leaves. Rendezvous hashing alone
 * (gRPC's A68: each client takes the {@code subsetSize} endpoints of highest hash) moves even less,
 * but its per-endpoint client counts spread binomially: about 1.35 times the mean at the busiest
 * endpoint for 1,000 clients, 300 endpoints and subsets of 20, where this stays within 1.01. When N
 * crosses a multiple of the subset size, {@code m} changes and the rounds are formed anew.
 *
 * <p>Client counts are even when the client ids are dense ({@code 0} to {@code C - 1}, such as task
 * or pod ordinals) and every client uses the same seed and subset size; the seed tells apart fleets
 * that would otherwise pick the same subsets. A pure function of the endpoint ids: every client
 * computes its own subset, without coordination, in {@code O(N log N)} per change.
 *
 * <p>Immutable and thread safe.
 *
 * @param clientId this client's index in its fleet, {@code >= 0}
 * @param subsetSize how many endpoints each client talks to, {@code >= 1}; all of them when there
 *     are fewer
 * @param seed shared by every client of the fleet
 */
public record Subsetting(long clientId, int subsetSize, long seed) {
  private static final KeyHasher HASHER = KeyHashers.defaultHasher();
  private static final Comparator<Endpoint> BY_ID = Comparator.comparing(Endpoint::id);

  /**
   * Checks the components; see the class documentation.
   *
   * @param clientId this client's index in its fleet, {@code >= 0}
   * @param subsetSize how many endpoints each client talks to, {@code >= 1}
   * @param seed shared by every client of the fleet
   * @throws IllegalArgumentException when {@code clientId} is negative or {@code subsetSize} is
   *     below 1
   */
  public Subsetting {
    if (clientId < 0) {
      throw new IllegalArgumentException("clientId: " + clientId + " (expected: >= 0)");
    }
    if (subsetSize < 1) {
      throw new IllegalArgumentException("subsetSize: " + subsetSize + " (expected: >= 1)");
    }
  }

  /**
   * This client's subset of {@code endpoints}, sorted by id.
   *
   * @param endpoints every endpoint, in any order; ids unique
   * @return {@link #subsetSize} of them, or slightly fewer when their number is not a multiple of
   *     it (the {@code N} endpoints are split into {@code ceil(N / subsetSize)} slices as even as
   *     possible); all of them when there are no more than {@link #subsetSize}
   */
  public List<Endpoint> select(Collection<Endpoint> endpoints) {
    Objects.requireNonNull(endpoints, "endpoints");
    int n = endpoints.size();
    List<Endpoint> result;
    if (n <= subsetSize) {
      result = new ArrayList<>(endpoints);
    } else {
      int m = (n + subsetSize - 1) / subsetSize;
      long round = clientId / m;
      int slice = (int) (clientId % m);
      long roundKey = mix(seed ^ mix(round + 0x632BE59BD9B4E019L));
      List<Endpoint> all = new ArrayList<>(endpoints);
      // In id order, so that the index below breaks ties of the scores by id: a pure function.
      all.sort(BY_ID);
      // Each entry: the endpoint's score for this round in the high bits, its index in the low.
      int indexBits = 32 - Integer.numberOfLeadingZeros(n - 1);
      long indexMask = (1L << indexBits) - 1;
      long[] order = new long[n];
      for (int i = 0; i < n; i++) {
        order[i] = (mix(HASHER.hash(all.get(i).id()) ^ roundKey) & ~indexMask) | i;
      }
      Arrays.sort(order);
      int base = n / m;
      int extra = n % m;
      int start = slice * base + Math.min(slice, extra);
      int size = base + (slice < extra ? 1 : 0);
      result = new ArrayList<>(size);
      for (int r = start; r < start + size; r++) {
        result.add(all.get((int) (order[r] & indexMask)));
      }
    }
    result.sort(BY_ID);
    return List.copyOf(result);
  }

  /**
   * A source that delivers this client's subset of each set {@code source} delivers, and only when
   * the subset changed.
   *
   * @param source the source of the whole set; not {@code null}
   * @return a source whose every subscription is one subscription to {@code source}
   */
  public EndpointSource apply(EndpointSource source) {
    Objects.requireNonNull(source, "source");
    Subsetting subsetting = this;
    return new EndpointSource() {
      @Override
      public Subscription subscribe(Consumer<List<Endpoint>> updates) {
        Objects.requireNonNull(updates, "updates");
        return source.subscribe(new SubsetConsumer(subsetting, updates));
      }

      @Override
      public String toString() {
        return source + " subset " + subsetting;
      }
    };
  }

  /** Passes subsets on, skipping one equal to the last passed; sources deliver one at a time. */
  private static final class SubsetConsumer implements Consumer<List<Endpoint>> {
    private final Subsetting subsetting;
    private final Consumer<List<Endpoint>> updates;
    private volatile List<Endpoint> last;

    SubsetConsumer(Subsetting subsetting, Consumer<List<Endpoint>> updates) {
      this.subsetting = subsetting;
      this.updates = updates;
    }

    @Override
    public void accept(List<Endpoint> endpoints) {
      List<Endpoint> subset = subsetting.select(endpoints);
      if (sameMembers(subset, last)) {
        return;
      }
      updates.accept(subset);
      // Only once accepted: a consumer that threw is handed the subset again next time.
      last = subset;
    }

    /** Equal ids, weights, addresses and metadata: what a balancer would see as no change. */
    private static boolean sameMembers(List<Endpoint> a, List<Endpoint> b) {
      if (b == null || a.size() != b.size()) {
        return false;
      }
      for (int i = 0; i < a.size(); i++) {
        Endpoint x = a.get(i);
        Endpoint y = b.get(i);
        if (!x.id().equals(y.id())
            || x.weight() != y.weight()
            || !x.address().equals(y.address())
            || !x.metadata().equals(y.metadata())) {
          return false;
        }
      }
      return true;
    }
  }

  /** The finalizer of SplitMix64: a bijection on 64 bits that spreads every input bit. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
