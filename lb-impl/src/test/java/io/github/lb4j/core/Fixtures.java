package io.github.lb4j.core;

import io.github.lb4j.Balancer;
import io.github.lb4j.Endpoint;
import io.github.lb4j.Lease;
import io.github.lb4j.PickerFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

/** Shared test data: endpoints, keys and counting helpers. */
final class Fixtures {
  private Fixtures() {}

  static Endpoint endpoint(int i) {
    return Endpoint.of("http://10.0." + i / 250 + "." + i % 250 + ":8080");
  }

  static List<Endpoint> endpoints(int n) {
    List<Endpoint> list = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      list.add(endpoint(i));
    }
    return list;
  }

  /**
   * A lease on the endpoint {@code id}: acquires (closing the others) until the picker lands on it.
   */
  static Lease leaseOn(Balancer balancer, String id) {
    for (int attempt = 0; attempt < 1000; attempt++) {
      Lease lease = balancer.acquire();
      if (lease.endpoint().id().equals(id)) {
        return lease;
      }
      lease.close();
    }
    throw new AssertionError(id + " is never chosen");
  }

  static Balancer balancer(PickerFactory picker, int n) {
    return Balancers.builder().name("test").picker(picker).endpoints(endpoints(n)).build();
  }

  /** Random UUID keys from a fixed seed: the same keys on every run. */
  static String[] uuidKeys(int count, long seed) {
    Random random = new Random(seed);
    String[] keys = new String[count];
    for (int i = 0; i < count; i++) {
      keys[i] = new UUID(random.nextLong(), random.nextLong()).toString();
    }
    return keys;
  }

  /** Six-digit request ids, as the classic consistent-hash experiments sent. */
  static String[] requestIds(int count, long seed) {
    Random random = new Random(seed);
    String[] keys = new String[count];
    for (int i = 0; i < count; i++) {
      keys[i] = Integer.toString(100_000 + random.nextInt(900_000));
    }
    return keys;
  }

  static Map<String, Integer> countByKey(Balancer balancer, String[] keys) {
    Map<String, Integer> counts = new HashMap<>();
    for (String key : keys) {
      counts.merge(balancer.choose(key).id(), 1, Integer::sum);
    }
    return counts;
  }

  static Map<String, Integer> count(Balancer balancer, int picks) {
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < picks; i++) {
      counts.merge(balancer.choose().id(), 1, Integer::sum);
    }
    return counts;
  }

  /** Max over mean of the counts, counting members that got nothing as zero. */
  static double maxOverMean(Map<String, Integer> counts, int members) {
    int total = counts.values().stream().mapToInt(Integer::intValue).sum();
    int max = counts.values().stream().mapToInt(Integer::intValue).max().orElse(0);
    return max / ((double) total / members);
  }
}
