package io.github.lb4j.benchmarks;

import io.github.lb4j.Balancer;
import io.github.lb4j.Endpoint;
import io.github.lb4j.PickerFactory;
import io.github.lb4j.core.BalancerBuilder;
import io.github.lb4j.core.Balancers;
import io.github.lb4j.core.Pickers;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

/**
 * Endpoints, keys and balancers shared by the benchmarks, built the same way in every benchmark so
 * that their numbers can be compared. Everything random is seeded, so two runs measure the same
 * inputs.
 */
final class Fixtures {
  /** Keys per thread: a power of two, large enough that the key is not a constant to the JIT. */
  static final int KEY_COUNT = 1 << 12;

  private Fixtures() {}

  /**
   * {@code count} endpoints {@code http://10.a.b.c:8080}, starting at index {@code first}; with
   * {@code weighted}, weights cycle through 1, 2, 3, 4, 5.
   */
  static List<Endpoint> endpoints(int first, int count, boolean weighted) {
    List<Endpoint> result = new ArrayList<>(count);
    for (int i = first; i < first + count; i++) {
      String address =
          "http://10." + (i >> 16 & 0xff) + "." + (i >> 8 & 0xff) + "." + (i & 0xff) + ":8080";
      int weight = weighted ? 1 + i % 5 : Endpoint.DEFAULT_WEIGHT;
      result.add(new Endpoint(address, URI.create(address), weight, Map.of()));
    }
    return result;
  }

  static List<Endpoint> endpoints(int count) {
    return endpoints(0, count, false);
  }

  /** {@code endpoints} spread round-robin over {@code zones} zones {@code z0}, {@code z1}, ... */
  static List<Endpoint> inZones(List<Endpoint> endpoints, int zones) {
    List<Endpoint> result = new ArrayList<>(endpoints.size());
    for (int i = 0; i < endpoints.size(); i++) {
      Endpoint e = endpoints.get(i);
      result.add(e.withMetadata(Map.of(Endpoint.ZONE, "z" + i % zones)));
    }
    return result;
  }

  /** {@code count} distinct 36-character UUID strings drawn from {@code seed}. */
  static String[] keys(int count, long seed) {
    Random random = new Random(seed);
    String[] keys = new String[count];
    for (int i = 0; i < count; i++) {
      keys[i] = randomUuid(random).toString();
    }
    return keys;
  }

  /** A version-4 UUID from {@code random}, so that keys look like the ones services use. */
  static UUID randomUuid(Random random) {
    long msb = (random.nextLong() & ~0xf000L) | 0x4000L;
    long lsb = (random.nextLong() & ~(0xcL << 60)) | (0x8L << 60);
    return new UUID(msb, lsb);
  }

  /** The picker factory a benchmark parameter names. */
  static PickerFactory picker(String name) {
    return switch (name) {
      case "round-robin", "round-robin-weighted" -> Pickers.roundRobin();
      case "random" -> Pickers.random();
      case "least-connection" -> Pickers.leastConnection();
      case "peak-ewma" -> Pickers.peakEwma();
      // No blackout, so that the reports handed in at set-up count at once, and no expiry within
      // a run.
      case "reported-load" ->
          Pickers.reportedLoadBuilder()
              .blackoutPeriod(java.time.Duration.ZERO)
              .weightExpirationPeriod(java.time.Duration.ofHours(1))
              .build();
      case "consistent-hash" -> Pickers.consistentHash();
      case "consistent-hash-bounded" -> Pickers.consistentHashBuilder().boundedLoad(1.25).build();
      case "classic-hash" -> Pickers.classicSeedHash();
      // A caller in a zone without endpoints: every pick draws one of the three zones first.
      case "locality-least-connection" ->
          Pickers.locality().localZone("elsewhere").within(Pickers::leastConnection).build();
      default ->
          throw new IllegalArgumentException("picker: '" + name + "' (expected: a known picker)");
    };
  }

  /** Whether the picker named {@code name} uses the affinity key. */
  static boolean hashing(String name) {
    return name.contains("hash");
  }

  /** A balancer over {@code n} endpoints with the picker named {@code name}. */
  static Balancer balancer(String name, int n) {
    return builder(name, n).build();
  }

  /** The builder of {@link #balancer}, for a benchmark that changes one setting. */
  static BalancerBuilder builder(String name, int n) {
    return Balancers.builder()
        .name("bench-" + name + "-" + n)
        .endpoints(
            name.startsWith("locality")
                ? inZones(endpoints(n), 3)
                : endpoints(0, n, name.endsWith("-weighted")))
        .picker(picker(name));
  }
}
