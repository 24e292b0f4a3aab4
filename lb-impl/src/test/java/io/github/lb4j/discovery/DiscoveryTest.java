package io.github.lb4j.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.lb4j.Balancer;
import io.github.lb4j.Endpoint;
import io.github.lb4j.core.Balancers;
import io.github.lb4j.testing.FakeClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

final class DiscoveryTest {
  @TempDir Path dir;

  private static void assertMessage(String expected, Executable call) {
    assertEquals(expected, assertThrows(IllegalArgumentException.class, call).getMessage());
  }

  @Test
  void dns_badArguments_rejectedWithMessage() {
    assertMessage("port: 0 (expected: in [1, 65535])", () -> Discovery.dns("svc.test", 0));
    assertMessage("port: 65536 (expected: in [1, 65535])", () -> Discovery.dns("svc.test", 65536));
    assertMessage("name: ' ' (expected: not blank)", () -> Discovery.dns(" ", 80));
    assertMessage("name: '' (expected: not blank)", () -> Discovery.dnsSrv(""));
    assertMessage(
        "name: 'a b.test' (expected: a DNS name without spaces)", () -> Discovery.dnsSrv("a b.test"));
    assertThrows(NullPointerException.class, () -> Discovery.dns(null, 80));
  }

  @Test
  void dnsBuilder_badSettings_rejectedWithMessage() {
    DnsSourceBuilder b = Discovery.dns("svc.test", 80);
    assertMessage("timeout: PT0S (expected: > 0)", () -> b.timeout(Duration.ZERO));
    assertMessage("ttlFloor: PT-1S (expected: > 0)", () -> b.ttlFloor(Duration.ofSeconds(-1)));
    assertMessage("ttlCeiling: PT0S (expected: > 0)", () -> b.ttlCeiling(Duration.ZERO));
    assertMessage(
        "scheme: 'ht tp' (expected: a URI scheme such as http or https)", () -> b.scheme("ht tp"));
    String server = " (expected: an IP address with an optional port, e.g. 10.0.0.2 or [::1]:5353)";
    assertMessage("server: 'dns.example:53'" + server, () -> b.server("dns.example:53"));
    assertMessage("server: '127.0.0.1:x'" + server, () -> b.server("127.0.0.1:x"));
    assertMessage("server port: 0 (expected: in [1, 65535])", () -> b.server("127.0.0.1:0"));
  }

  @Test
  void dnsBuilder_floorAboveCeiling_rejectedAtBuild() {
    DnsSourceBuilder b =
        Discovery.dns("svc.test", 80)
            .ttlFloor(Duration.ofMinutes(10))
            .ttlCeiling(Duration.ofMinutes(1));
    assertMessage("ttlFloor: PT10M (expected: <= ttlCeiling PT1M)", b::build);
    b.ttlCeiling(Duration.ofMinutes(10));
    b.build(); // equal is fine: a fixed refresh interval
  }

  @Test
  void dnsBuilder_nameDnsjavaRejects_rejectedAtBuild() {
    assertMessage(
        "name: 'a..b' (expected: a DNS name; 'a..b': invalid empty label)",
        () -> Discovery.dns("a..b", 80).server("127.0.0.1").build());
  }

  @Test
  void file_badPollInterval_rejectedWithMessage() {
    assertMessage(
        "pollInterval: PT0S (expected: > 0)",
        () -> Discovery.file(dir.resolve("x")).pollInterval(Duration.ZERO));
  }

  @Test
  void fixed_badLists_rejectedWithMessage() {
    assertMessage("endpoints: [] (expected: at least one endpoint)", () -> Discovery.fixed(List.of()));
    Endpoint a = Endpoint.of("http://127.0.0.1:1");
    assertMessage(
        "endpoints: duplicate id 'http://127.0.0.1:1' (expected: unique ids)",
        () -> Discovery.fixed(List.of(a, a.withWeight(2))));
  }

  @Test
  void parse_badSpecs_rejectedWithMessage() {
    String expected = "(expected: " + Discovery.SPEC_FORMAT + ")";
    assertMessage("spec: 'consul:workers' " + expected, () -> Discovery.parse("consul:workers"));
    assertMessage("spec: 'dns:' " + expected, () -> Discovery.parse("dns:"));
    assertMessage(
        "spec: 'dns:svc.test' " + expected + ": missing :PORT", () -> Discovery.parse("dns:svc.test"));
    assertMessage(
        "spec: 'dns:svc.test:http' " + expected + ": port: 'http' is no number",
        () -> Discovery.parse("dns:svc.test:http"));
    assertMessage(
        "spec: 'dns:svc.test:0' " + expected + ": port: 0 (expected: in [1, 65535])",
        () -> Discovery.parse("dns:svc.test:0"));
    assertMessage(
        "spec: 'static:nohost' "
            + expected
            + ": address: nohost (expected: an absolute URI with a host, e.g. http://host:8080)",
        () -> Discovery.parse("static:nohost"));
  }

  @Test
  void parse_staticAndFile_deliverTheirEndpoints() throws IOException {
    List<List<Endpoint>> sets = new ArrayList<>();
    Discovery.parse("static:http://127.0.0.1:2, http://127.0.0.1:1").subscribe(sets::add).close();
    assertEquals(
        List.of(Endpoint.of("http://127.0.0.1:1"), Endpoint.of("http://127.0.0.1:2")), sets.get(0));

    Path file = Files.writeString(dir.resolve("workers"), "http://127.0.0.1:3 2\n");
    Discovery.parse("file:" + file).subscribe(sets::add).close();
    assertEquals(2, sets.get(1).get(0).weight());
  }

  @Test
  void bind_fixedSource_setsMembership() {
    Balancer balancer = Balancers.builder().name("b").endpoints("http://127.0.0.1:9").build();
    Discovery.bind(Discovery.fixed(List.of(Endpoint.of("http://127.0.0.1:1"))), balancer);
    assertEquals(List.of(Endpoint.of("http://127.0.0.1:1")), balancer.endpoints());
  }

  @Test
  void bind_closedBalancer_throwsAndClosesSubscription() {
    Balancer balancer = Balancers.builder().name("b").build();
    balancer.close();
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> Discovery.bind(Discovery.fixed(List.of(Endpoint.of("http://127.0.0.1:1"))), balancer));
    assertEquals("balancer 'b' is closed", e.getMessage());
  }

  @Test
  void bind_balancerClosedLater_subscriptionStopsAtOnce() throws IOException {
    FakeClock clock = new FakeClock();
    Path file = Files.writeString(dir.resolve("workers"), "http://127.0.0.1:1\n");
    Balancer balancer = Balancers.builder().name("b").build();
    EndpointSource source =
        Discovery.file(file)
            .pollInterval(Duration.ofSeconds(1))
            .scheduler(clock.scheduler())
            .ticker(clock)
            .build();
    Discovery.bind(source, balancer);
    assertEquals(List.of(Duration.ofSeconds(1)), clock.pendingDelays(), "polling");
    balancer.close();
    assertEquals(List.of(), clock.pendingDelays(), "stopped when the balancer closed");
    Files.writeString(file, "http://127.0.0.1:2\n");
    clock.advance(Duration.ofSeconds(3));
    assertEquals(List.of(), clock.pendingDelays(), "still stopped");
  }

  @Test
  void bind_nullArguments_rejected() {
    Balancer balancer = Balancers.builder().build();
    assertThrows(NullPointerException.class, () -> Discovery.bind(null, balancer));
    assertThrows(
        NullPointerException.class,
        () -> Discovery.bind(Discovery.fixed(List.of(Endpoint.of("http://127.0.0.1:1"))), null));
  }
}
