package io.github.lb4j.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lb4j.Balancer;
import io.github.lb4j.Endpoint;
import io.github.lb4j.Lease;
import io.github.lb4j.core.Balancers;
import io.github.lb4j.core.Pickers;
import io.github.lb4j.testing.FakeClock;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BalancerMetricsTest {

  private static final String A = "http://127.0.0.1:8081";
  private static final String B = "http://127.0.0.1:8082";
  private static final String C = "http://127.0.0.1:8083";

  private final FakeClock clock = new FakeClock();
  private final MockClock registryClock = new MockClock();
  private final SimpleMeterRegistry registry =
      new SimpleMeterRegistry(SimpleConfig.DEFAULT, registryClock);
  private final List<Balancer> balancers = new ArrayList<>();

  @AfterEach
  void closeBalancers() {
    balancers.forEach(Balancer::close);
  }

  private Balancer balancer(String... addresses) {
    Balancer balancer =
        Balancers.builder()
            .name("workers")
            .endpoints(addresses)
            .picker(Pickers.roundRobin())
            .ticker(clock)
            .scheduler(clock)
            .timeCalls(true)
            .latencySampling(1)
            .outlierDetection(
                o -> o.consecutiveFailures(2).baseEjectionTime(Duration.ofSeconds(30)))
            .build();
    balancers.add(balancer);
    return balancer;
  }

  /** Fresh numbers on the next read: the snapshot reused within a scrape is older than its age. */
  private void nextScrape() {
    registryClock.add(Duration.ofSeconds(1));
  }

  private double gauge(String name, String endpoint) {
    return registry.get(name).tags("balancer", "workers", "endpoint", endpoint).gauge().value();
  }

  private double counter(String name, String endpoint) {
    return registry
        .get(name)
        .tags("balancer", "workers", "endpoint", endpoint)
        .functionCounter()
        .count();
  }

  private double health(String endpoint, String state) {
    return registry
        .get("lb4j.endpoint.health")
        .tags("balancer", "workers", "endpoint", endpoint, "state", state)
        .gauge()
        .value();
  }

  private double balancerGauge(String name) {
    return registry.get(name).tags("balancer", "workers").gauge().value();
  }

  private Set<String> endpointTags() {
    Set<String> ids = new TreeSet<>();
    for (Meter meter : registry.getMeters()) {
      String id = meter.getId().getTag("endpoint");
      if (id != null) {
        ids.add(id);
      }
    }
    return ids;
  }

  @Test
  void countsInFlightOutcomesPicksAndShares() {
    Balancer balancer = balancer(A, B);
    BalancerMetrics.of(balancer).bindTo(registry);

    Lease first = balancer.acquire();
    Lease second = balancer.acquire();
    Lease third = balancer.acquire();
    nextScrape();
    String one = first.endpoint().id();
    String other = second.endpoint().id();
    assertEquals(2, gauge("lb4j.endpoint.in.flight", one));
    assertEquals(1, gauge("lb4j.endpoint.in.flight", other));
    assertEquals(3, balancerGauge("lb4j.balancer.in.flight"));
    assertEquals(2 / 1.5, balancerGauge("lb4j.balancer.in.flight.max.over.mean"), 1e-9);

    first.success();
    first.close();
    second.failure();
    second.close();
    third.success();
    third.close();
    nextScrape();
    assertEquals(0, gauge("lb4j.endpoint.in.flight", one));
    assertEquals(2, counter("lb4j.endpoint.successes", one));
    assertEquals(0, counter("lb4j.endpoint.failures", one));
    assertEquals(1, counter("lb4j.endpoint.failures", other));
    assertEquals(2, counter("lb4j.endpoint.picks", one));
    assertEquals(1, counter("lb4j.endpoint.picks", other));
    assertEquals(3, balancerGauge("lb4j.balancer.recent.picks"));
    assertEquals(2.0 / 3, gauge("lb4j.endpoint.recent.share", one), 1e-9);
    assertEquals(1.0 / 3, gauge("lb4j.endpoint.recent.share", other), 1e-9);
    // 2 of 3 picks where 1.5 is the mean.
    assertEquals(2 / 1.5, balancerGauge("lb4j.balancer.picks.max.over.mean"), 1e-9);
    assertEquals(2, balancerGauge("lb4j.balancer.endpoints"));
    assertEquals(2, balancerGauge("lb4j.balancer.endpoints.healthy"));
    // Round-robin does not hash: no remapped share.
    assertTrue(Double.isNaN(balancerGauge("lb4j.balancer.remapped.share")));
  }

  @Test
  void latencyAverageIsATimeGauge() {
    Balancer balancer = balancer(A);
    BalancerMetrics.of(balancer).bindTo(registry);

    try (Lease lease = balancer.acquire()) {
      clock.advance(Duration.ofMillis(40));
      lease.success();
    }
    nextScrape();
    double millis =
        registry
            .get("lb4j.endpoint.latency.average")
            .tags("endpoint", A)
            .timeGauge()
            .value(TimeUnit.MILLISECONDS);
    assertEquals(40, millis, 1e-6);
  }

  @Test
  void healthFollowsEjectionAndItsEnd() {
    Balancer balancer = balancer(A, B);
    BalancerMetrics.of(balancer).bindTo(registry);
    assertEquals(1, health(A, "healthy"));
    assertEquals(0, health(A, "ejected"));

    for (int i = 0; i < 2; i++) {
      try (Lease lease = balancer.acquire(null, Set.of(B))) {
        lease.failure();
      }
    }
    nextScrape();
    assertEquals(0, health(A, "healthy"));
    assertEquals(1, health(A, "ejected"));
    assertEquals(0, health(A, "unhealthy"));
    assertEquals(1, counter("lb4j.endpoint.ejections", A));
    assertEquals(1, balancerGauge("lb4j.balancer.endpoints.healthy"));

    clock.advance(Duration.ofSeconds(30));
    nextScrape();
    assertEquals(1, health(A, "healthy"));
    assertEquals(0, health(A, "ejected"));
    assertEquals(1, counter("lb4j.endpoint.ejections", A));
  }

  @Test
  void metersFollowMembership() {
    Balancer balancer = balancer(A, B);
    BalancerMetrics.of(balancer).bindTo(registry);
    assertEquals(Set.of(A, B), endpointTags());
    // Per endpoint: in flight, 4 counters, 3 health states, latency, share. Per balancer: 7.
    assertEquals(2 * 10 + 7, registry.getMeters().size());

    balancer.add(Endpoint.of(C));
    assertEquals(Set.of(A, B, C), endpointTags());
    // Visible at once, without waiting for the reused snapshot to age.
    assertEquals(0, gauge("lb4j.endpoint.in.flight", C));
    assertEquals(3, balancerGauge("lb4j.balancer.endpoints"));

    balancer.remove(A);
    assertEquals(Set.of(B, C), endpointTags());

    balancer.setEndpoints(List.of(Endpoint.of(A)));
    assertEquals(Set.of(A), endpointTags());
    assertEquals(10 + 7, registry.getMeters().size());
  }

  @Test
  void closingTheBalancerRemovesEveryMeter() {
    Balancer balancer = balancer(A, B);
    BalancerMetrics.of(balancer).bindTo(registry);
    balancer.close();
    assertEquals(List.of(), registry.getMeters());
  }

  @Test
  void closingTheBinderRemovesItsMetersAndStopsFollowing() {
    Balancer balancer = balancer(A, B);
    BalancerMetrics metrics = BalancerMetrics.of(balancer);
    metrics.bindTo(registry);
    SimpleMeterRegistry second = new SimpleMeterRegistry();
    metrics.bindTo(second);
    metrics.bindTo(second); // no second set of meters
    assertEquals(27, second.getMeters().size());

    metrics.close();
    assertEquals(List.of(), registry.getMeters());
    assertEquals(List.of(), second.getMeters());
    balancer.add(Endpoint.of(C));
    assertEquals(List.of(), registry.getMeters());

    metrics.bindTo(registry); // closed: binds nothing
    assertEquals(List.of(), registry.getMeters());
  }

  @Test
  void bindingAClosedBalancerRegistersNothing() {
    Balancer balancer = balancer(A);
    balancer.close();
    BalancerMetrics.of(balancer).bindTo(registry);
    assertEquals(List.of(), registry.getMeters());
  }

  @Test
  void oneSnapshotServesAScrapeUntilItAges() {
    Balancer balancer = balancer(A);
    BalancerMetrics.of(balancer).bindTo(registry);
    assertEquals(0, gauge("lb4j.endpoint.in.flight", A));

    try (Lease lease = balancer.acquire()) {
      // Same scrape: the snapshot read for the first meter serves every other one.
      assertEquals(0, gauge("lb4j.endpoint.in.flight", A));
      registryClock.add(Duration.ofMillis(999));
      assertEquals(0, gauge("lb4j.endpoint.in.flight", A));
      registryClock.add(Duration.ofMillis(1));
      assertEquals(1, gauge("lb4j.endpoint.in.flight", A));
      lease.success();
    }
  }

  @Test
  void zeroMaxAgeReadsEveryTime() {
    Balancer balancer = balancer(A);
    BalancerMetrics.builder(balancer).snapshotMaxAge(Duration.ZERO).build().bindTo(registry);
    assertEquals(0, gauge("lb4j.endpoint.in.flight", A));
    try (Lease lease = balancer.acquire()) {
      assertEquals(1, gauge("lb4j.endpoint.in.flight", A));
      lease.success();
    }
  }

  @Test
  void remappedShareOfAHashingPicker() {
    Balancer balancer =
        Balancers.builder()
            .name("workers")
            .endpoints(A, B, C)
            .picker(Pickers.consistentHash())
            .build();
    balancers.add(balancer);
    BalancerMetrics.of(balancer).bindTo(registry);
    assertTrue(Double.isNaN(balancerGauge("lb4j.balancer.remapped.share")));

    balancer.remove(C);
    nextScrape();
    // Only C's keys move: about a third.
    double remapped = balancerGauge("lb4j.balancer.remapped.share");
    assertTrue(remapped > 0.25 && remapped < 0.42, "remapped share " + remapped);
  }

  @Test
  void extraTagsOnEveryMeter() {
    Balancer balancer = balancer(A);
    BalancerMetrics.builder(balancer).tags(Tags.of("service", "render")).build().bindTo(registry);
    for (Meter meter : registry.getMeters()) {
      assertEquals("render", meter.getId().getTag("service"), meter.getId().toString());
      assertEquals("workers", meter.getId().getTag("balancer"), meter.getId().toString());
    }
  }

  @Test
  void rejectsBadArguments() {
    Balancer balancer = balancer(A);
    BalancerMetrics.Builder builder = BalancerMetrics.builder(balancer);
    assertEquals(
        "maxAge: PT-1S (expected: >= 0)",
        assertThrows(
                IllegalArgumentException.class,
                () -> builder.snapshotMaxAge(Duration.ofSeconds(-1)))
            .getMessage());
    assertEquals(
        "tags: endpoint (expected: a key other than balancer, endpoint, state)",
        assertThrows(IllegalArgumentException.class, () -> builder.tags(Tags.of("endpoint", "x")))
            .getMessage());
    assertEquals(
        "balancer",
        assertThrows(NullPointerException.class, () -> BalancerMetrics.of(null)).getMessage());
    assertEquals(
        "registry",
        assertThrows(NullPointerException.class, () -> BalancerMetrics.of(balancer).bindTo(null))
            .getMessage());
  }
}
