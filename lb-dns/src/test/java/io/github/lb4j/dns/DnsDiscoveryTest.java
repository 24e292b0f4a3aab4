package io.github.lb4j.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.lb4j.Balancer;
import io.github.lb4j.Endpoint;
import io.github.lb4j.EndpointState;
import io.github.lb4j.Lease;
import io.github.lb4j.core.Balancers;
import io.github.lb4j.core.Pickers;
import io.github.lb4j.discovery.Discovery;
import io.github.lb4j.discovery.EndpointSource;
import io.github.lb4j.discovery.Subscription;
import io.github.lb4j.dnsmasq.Dnsmasq;
import io.github.lb4j.testing.FakeClock;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * DNS discovery against a real DNS server (dnsmasq on loopback). Refreshes are driven by a fake
 * clock, so the TTL schedule is checked exactly; only the server itself runs in real time.
 */
// Subscriptions are opened in try-with-resources only to be closed; the body rarely names them.
@SuppressWarnings("try")
final class DnsDiscoveryTest {
  private static final int TTL = 30;
  private static final Duration FLOOR = Duration.ofSeconds(5);
  private static final String SVC = "svc." + Dnsmasq.DOMAIN;
  private static final String SRV = "_http._tcp.svc." + Dnsmasq.DOMAIN;

  @TempDir Path dir;
  private final FakeClock clock = new FakeClock();
  private Dnsmasq dns;

  @BeforeEach
  void startDns() throws IOException {
    assumeTrue(Dnsmasq.binary().isPresent(), Dnsmasq.MISSING);
    dns = new Dnsmasq(dir, TTL);
  }

  @AfterEach
  void stopDns() {
    if (dns != null) {
      dns.close();
    }
  }

  private DnsSourceBuilder configure(DnsSourceBuilder builder, String server) {
    return builder
        .server(server)
        .timeout(Duration.ofMillis(500))
        .ttlFloor(FLOOR)
        .scheduler(clock.scheduler())
        .ticker(clock);
  }

  private EndpointSource addresses(int port) {
    return configure(DnsDiscovery.dns(SVC, port), dns.server()).build();
  }

  private EndpointSource srv() {
    return configure(DnsDiscovery.dnsSrv(SRV), dns.server()).build();
  }

  private static List<String> ids(List<Endpoint> endpoints) {
    return endpoints.stream().map(Endpoint::id).toList();
  }

  private static Map<String, Integer> weights(Balancer balancer) {
    Map<String, Integer> weights = new TreeMap<>();
    for (Endpoint e : balancer.endpoints()) {
      weights.put(e.id(), e.weight());
    }
    return weights;
  }

  private static List<Endpoint> last(List<List<Endpoint>> sets) {
    return sets.get(sets.size() - 1);
  }

  @Test
  void dns_addressRecords_resolvedAndRefreshedWhenTheTtlRunsOut() throws IOException {
    dns.hosts("127.0.0.1 " + SVC, "127.0.0.2 " + SVC, "::1 " + SVC).start();
    List<List<Endpoint>> sets = new CopyOnWriteArrayList<>();
    try (Subscription s = addresses(8080).subscribe(sets::add)) {
      assertEquals(1, sets.size(), "the first set arrives before subscribe returns");
      assertEquals(
          List.of("http://127.0.0.1:8080", "http://127.0.0.2:8080", "http://[::1]:8080"),
          ids(sets.get(0)));
      assertEquals(List.of(Duration.ofSeconds(TTL)), clock.pendingDelays(), "next look at the TTL");

      dns.hosts("127.0.0.1 " + SVC, "127.0.0.3 " + SVC);
      clock.advance(Duration.ofSeconds(TTL - 1));
      assertEquals(1, sets.size(), "nothing before the TTL runs out");
      clock.advance(Duration.ofSeconds(1));
      assertEquals(2, sets.size());
      assertEquals(List.of("http://127.0.0.1:8080", "http://127.0.0.3:8080"), ids(last(sets)));
    }
  }

  @Test
  void dns_ttlOutsideFloorAndCeiling_clamped() throws IOException {
    dns.hosts("127.0.0.1 " + SVC).start();
    EndpointSource below =
        configure(DnsDiscovery.dns(SVC, 80), dns.server()).ttlFloor(Duration.ofSeconds(45)).build();
    EndpointSource above =
        configure(DnsDiscovery.dns(SVC, 80), dns.server())
            .ttlCeiling(Duration.ofSeconds(10))
            .build();
    try (Subscription s = below.subscribe(set -> {})) {
      assertEquals(List.of(Duration.ofSeconds(45)), clock.pendingDelays());
    }
    try (Subscription s = above.subscribe(set -> {})) {
      assertEquals(List.of(Duration.ofSeconds(10)), clock.pendingDelays());
    }
  }

  @Test
  void dnsSrv_records_givePortsWeightsAndOnlyTheLowestPriority() throws IOException {
    dns.hosts(
            "127.0.0.1 w1." + Dnsmasq.DOMAIN,
            "127.0.0.2 w1." + Dnsmasq.DOMAIN,
            "127.0.0.4 w4." + Dnsmasq.DOMAIN,
            "127.0.0.3 w3." + Dnsmasq.DOMAIN)
        .srv(
            SRV + ",w1." + Dnsmasq.DOMAIN + ",8081,0,5",
            SRV + ",w2." + Dnsmasq.DOMAIN + ",8082,0,7", // no address: skipped
            SRV + ",w4." + Dnsmasq.DOMAIN + ",8084,0,0", // weight 0: the smallest share
            SRV + ",w3." + Dnsmasq.DOMAIN + ",8083,1,10") // a backup priority: not used
        .start();
    List<List<Endpoint>> sets = new ArrayList<>();
    try (Subscription s = srv().subscribe(sets::add)) {
      Map<String, Integer> weights = new TreeMap<>();
      for (Endpoint e : sets.get(0)) {
        weights.put(e.id(), e.weight());
      }
      assertEquals(
          Map.of(
              "http://127.0.0.1:8081", 5, "http://127.0.0.2:8081", 5, "http://127.0.0.4:8084", 1),
          weights);
      assertEquals("w1." + Dnsmasq.DOMAIN, sets.get(0).get(0).metadata().get(DnsLook.TARGET_KEY));
    }
  }

  @Test
  void dnsSrv_priorityTiers_keepsBackupsAsRankedTiersThatTakeTrafficOnlyWhenNeeded()
      throws IOException {
    dns.hosts(
            "127.0.0.1 w1." + Dnsmasq.DOMAIN,
            "127.0.0.3 w3." + Dnsmasq.DOMAIN,
            "127.0.0.5 w5." + Dnsmasq.DOMAIN)
        .srv(
            SRV + ",w1." + Dnsmasq.DOMAIN + ",8081,10,5",
            SRV + ",w3." + Dnsmasq.DOMAIN + ",8083,20,3", // backup: tier 1
            SRV + ",w5." + Dnsmasq.DOMAIN + ",8085,30,2", // second backup: tier 2
            SRV + ",w1." + Dnsmasq.DOMAIN + ",8081,30,9") // also a backup: keeps tier 0
        .start();
    List<List<Endpoint>> sets = new ArrayList<>();
    EndpointSource tiered =
        configure(DnsDiscovery.dnsSrv(SRV), dns.server()).priorityTiers(true).build();
    try (Subscription s = tiered.subscribe(sets::add)) {
      Map<String, String> tiers = new TreeMap<>();
      Map<String, Integer> weights = new TreeMap<>();
      for (Endpoint e : sets.get(0)) {
        tiers.put(e.id(), e.metadata().get(Endpoint.PRIORITY));
        weights.put(e.id(), e.weight());
      }
      assertEquals(
          Map.of(
              "http://127.0.0.1:8081",
              "0",
              "http://127.0.0.3:8083",
              "1",
              "http://127.0.0.5:8085",
              "2"),
          tiers);
      assertEquals(
          Map.of(
              "http://127.0.0.1:8081", 5, "http://127.0.0.3:8083", 3, "http://127.0.0.5:8085", 2),
          weights);
      // Through a tier-aware balancer, the backups take nothing while tier 0 is up.
      try (Balancer balancer =
          Balancers.builder().picker(Pickers.locality().build()).endpoints(sets.get(0)).build()) {
        for (int i = 0; i < 100; i++) {
          assertEquals("http://127.0.0.1:8081", balancer.choose().id());
        }
      }
    }
    // Without tiers, only the lowest priority, as before.
    try (Subscription s = srv().subscribe(sets::add)) {
      assertEquals(List.of("http://127.0.0.1:8081"), ids(last(sets)));
      assertEquals(null, last(sets).get(0).metadata().get(Endpoint.PRIORITY));
    }
    assertEquals(
        "priorityTiers: only SRV records have priorities (this is an A/AAAA source for "
            + SVC
            + ")",
        assertThrows(
                IllegalStateException.class, () -> DnsDiscovery.dns(SVC, 80).priorityTiers(true))
            .getMessage());
  }

  @Test
  void dnsSrv_recordsChanged_balancerFollowsWithoutLosingInFlightCalls() throws Exception {
    try (MockWebServer a = new MockWebServer();
        MockWebServer b = new MockWebServer();
        MockWebServer c = new MockWebServer()) {
      for (MockWebServer server : List.of(a, b, c)) {
        server.start(InetAddress.getByName("127.0.0.1"), 0);
        for (int i = 0; i < 20; i++) {
          server.enqueue(new MockResponse().setBody(Integer.toString(server.getPort())));
        }
      }
      String w = "w." + Dnsmasq.DOMAIN;
      dns.hosts("127.0.0.1 " + w)
          .srv(
              SRV + "," + w + "," + a.getPort() + ",0,1",
              SRV + "," + w + "," + b.getPort() + ",0,1")
          .start();
      Balancer balancer = Balancers.builder().name("workers").picker(Pickers.roundRobin()).build();
      OkHttpClient http = new OkHttpClient();
      try (Subscription s = Discovery.bind(srv(), balancer)) {
        assertEquals(2, balancer.endpoints().size());
        Lease lease = balancer.acquire();
        String held = lease.endpoint().id();
        assertEquals(
            Integer.toString(lease.endpoint().address().getPort()), get(http, lease.endpoint()));

        dns.srv(
            SRV + "," + w + "," + a.getPort() + ",0,3",
            SRV + "," + w + "," + b.getPort() + ",0,1",
            SRV + "," + w + "," + c.getPort() + ",0,1");
        s.refresh();
        assertEquals(
            Map.of(
                "http://127.0.0.1:" + a.getPort(), 3,
                "http://127.0.0.1:" + b.getPort(), 1,
                "http://127.0.0.1:" + c.getPort(), 1),
            weights(balancer));
        assertEquals(1, state(balancer, held).inFlight(), "the lease outlives the refresh");
        lease.success();
        lease.close();
        assertEquals(0, state(balancer, held).inFlight());
        assertEquals(1, state(balancer, held).successes());

        Map<Integer, Integer> served = new HashMap<>();
        for (int i = 0; i < 10; i++) {
          served.merge(Integer.parseInt(get(http, balancer.choose())), 1, Integer::sum);
        }
        assertEquals(Map.of(a.getPort(), 6, b.getPort(), 2, c.getPort(), 2), served);
      } finally {
        balancer.close();
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
      }
    }
  }

  private static String get(OkHttpClient http, Endpoint endpoint) throws IOException {
    Request request =
        new Request.Builder().url(endpoint.address().resolve("/tile").toString()).build();
    try (Response response = http.newCall(request).execute()) {
      return response.body().string();
    }
  }

  private static EndpointState state(Balancer balancer, String id) {
    return balancer.snapshot().endpoints().stream()
        .filter(e -> e.endpoint().id().equals(id))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void dns_serverDown_keepsLastGoodSetAndRetriesAtTheFloor() throws IOException {
    dns.hosts("127.0.0.1 " + SVC).start();
    List<List<Endpoint>> sets = new CopyOnWriteArrayList<>();
    try (Subscription s = addresses(8080).subscribe(sets::add)) {
      dns.stop();
      clock.advance(Duration.ofSeconds(TTL));
      clock.advance(FLOOR);
      assertEquals(1, sets.size(), "a failed look delivers nothing");
      assertEquals(List.of(FLOOR), clock.pendingDelays(), "retried at the floor");

      dns.hosts("127.0.0.2 " + SVC).start();
      clock.advance(FLOOR);
      assertEquals(List.of("http://127.0.0.2:8080"), ids(last(sets)));
      assertEquals(List.of(Duration.ofSeconds(TTL)), clock.pendingDelays());
    }
  }

  @Test
  void dns_nameGone_keepsSetUnlessRemoveOnEmpty() throws IOException {
    dns.hosts("127.0.0.1 " + SVC).start();
    List<List<Endpoint>> kept = new CopyOnWriteArrayList<>();
    List<List<Endpoint>> emptied = new CopyOnWriteArrayList<>();
    EndpointSource removing =
        configure(DnsDiscovery.dns(SVC, 8080), dns.server()).removeOnEmpty(true).build();
    try (Subscription k = addresses(8080).subscribe(kept::add);
        Subscription e = removing.subscribe(emptied::add)) {
      dns.hosts("127.0.0.1 other." + Dnsmasq.DOMAIN); // NXDOMAIN for the service name
      k.refresh();
      e.refresh();
      assertEquals(1, kept.size());
      assertEquals(List.of(), last(emptied));
      assertEquals(List.of(FLOOR, FLOOR), clock.pendingDelays(), "empty answers look again soon");

      dns.hosts("127.0.0.1 " + SVC);
      k.refresh();
      e.refresh();
      assertEquals(1, kept.size(), "back to the same set: no change");
      assertEquals(List.of("http://127.0.0.1:8080"), ids(last(emptied)));
    }
  }

  @Test
  void dnsSrv_noRecords_keepsSet() throws IOException {
    String w = "w." + Dnsmasq.DOMAIN;
    dns.hosts("127.0.0.1 " + w).srv(SRV + "," + w + ",8081,0,1").start();
    List<List<Endpoint>> sets = new CopyOnWriteArrayList<>();
    try (Subscription s = srv().subscribe(sets::add)) {
      dns.srv();
      s.refresh();
      assertEquals(1, sets.size());
      assertEquals(List.of("http://127.0.0.1:8081"), ids(sets.get(0)));
    }
  }

  @Test
  void dns_malformedAnswer_keepsLastGoodSet() throws Exception {
    dns.hosts("127.0.0.1 " + SVC).start();
    List<List<Endpoint>> sets = new CopyOnWriteArrayList<>();
    try (UdpRelay relay = new UdpRelay(dns.port());
        Subscription s =
            configure(DnsDiscovery.dns(SVC, 8080), relay.server()).build().subscribe(sets::add)) {
      assertEquals(List.of("http://127.0.0.1:8080"), ids(sets.get(0)));
      relay.malformed(true);
      dns.hosts("127.0.0.2 " + SVC);
      s.refresh();
      assertEquals(1, sets.size());
      assertEquals(List.of(FLOOR), clock.pendingDelays(), "a failure: retried at the floor");

      relay.malformed(false);
      s.refresh();
      assertEquals(List.of("http://127.0.0.2:8080"), ids(last(sets)));
    }
  }

  @Test
  @Timeout(60) // a hang here means the configured timeout is not applied
  void dns_serverSilent_timesOutAndKeepsLastGoodSet() throws Exception {
    dns.hosts("127.0.0.1 " + SVC).start();
    List<List<Endpoint>> sets = new CopyOnWriteArrayList<>();
    try (UdpRelay relay = new UdpRelay(dns.port());
        Subscription s =
            configure(DnsDiscovery.dns(SVC, 8080), relay.server())
                .timeout(Duration.ofMillis(200))
                .build()
                .subscribe(sets::add)) {
      relay.silent(true);
      dns.hosts("127.0.0.2 " + SVC);
      s.refresh();
      assertEquals(1, sets.size());
      assertEquals(List.of("http://127.0.0.1:8080"), ids(sets.get(0)));
      assertEquals(List.of(FLOOR), clock.pendingDelays());
    }
  }

  @Test
  void parse_dnsSpecWithServer_resolvesThroughThatServer() throws IOException {
    dns.hosts("127.0.0.1 " + SVC).start();
    List<List<Endpoint>> sets = new ArrayList<>();
    try (Subscription s =
        DnsDiscovery.parse("dns:" + SVC + ":9000@" + dns.server()).subscribe(sets::add)) {
      assertEquals(List.of("http://127.0.0.1:9000"), ids(sets.get(0)));
    }
    String w = "w." + Dnsmasq.DOMAIN;
    dns.hosts("127.0.0.1 " + w).srv(SRV + "," + w + ",8081,0,1");
    sets.clear();
    try (Subscription s =
        DnsDiscovery.parse("dns-srv:" + SRV + "@" + dns.server()).subscribe(sets::add)) {
      assertEquals(List.of("http://127.0.0.1:8081"), ids(sets.get(0)));
    }
  }
}
