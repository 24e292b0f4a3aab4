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
  void file_badPollInterval_rejectedWithMessage() {
    assertMessage(
        "pollInterval: PT0S (expected: > 0)",
        () -> Discovery.file(dir.resolve("x")).pollInterval(Duration.ZERO));
  }

  @Test
  void fixed_badLists_rejectedWithMessage() {
    assertMessage(
        "endpoints: [] (expected: at least one endpoint)", () -> Discovery.fixed(List.of()));
    Endpoint a = Endpoint.of("http://127.0.0.1:1");
    assertMessage(
        "endpoints: duplicate id 'http://127.0.0.1:1' (expected: unique ids)",
        () -> Discovery.fixed(List.of(a, a.withWeight(2))));
  }

  @Test
  void parse_badSpecs_rejectedWithMessage() {
    String expected = "(expected: file:PATH or static:URL[,URL...])";
    assertMessage("spec: 'consul:workers' " + expected, () -> Discovery.parse("consul:workers"));
    assertMessage("spec: 'dns:svc.test:80' " + expected, () -> Discovery.parse("dns:svc.test:80"));
    assertMessage("spec: 'file:' " + expected, () -> Discovery.parse("file:"));
    assertMessage("spec: 'static' " + expected, () -> Discovery.parse("static"));
    assertMessage(
        "spec: 'static:nohost' "
            + expected
            + ": address: nohost (expected: an absolute URI with a host, e.g. http://host:8080)",
        () -> Discovery.parse("static:nohost"));
  }

  @Test
  void parse_moreKinds_triedFirstAndListedFirst() {
    SourceKind one =
        SourceKind.of("one", "one:URL", rest -> Discovery.fixed(List.of(Endpoint.of(rest))));
    assertEquals(
        "static:[http://127.0.0.1:1]",
        Discovery.parse("one:http://127.0.0.1:1", List.of(one)).toString());
    assertMessage(
        "spec: 'one:x' (expected: one:URL, file:PATH or static:URL[,URL...]): address: x"
            + " (expected: an absolute URI with a host, e.g. http://host:8080)",
        () -> Discovery.parse("one:x", List.of(one)));
    assertMessage(
        "kinds: two kinds named 'file' (expected: unique names, none of [file, static])",
        () -> Discovery.parse("file:x", List.of(SourceKind.of("file", "file:X", rest -> null))));
    assertThrows(NullPointerException.class, () -> Discovery.parse("file:x", null));
    assertEquals(
        "kind 'none' made no source of 'none:x'",
        assertThrows(
                IllegalStateException.class,
                () ->
                    Discovery.parse("none:x", List.of(SourceKind.of("none", "none:X", r -> null))))
            .getMessage());
  }

  @Test
  void sourceKind_badParts_rejectedWithMessage() {
    assertMessage(
        "name: 'a:b' (expected: no colon)", () -> SourceKind.of("a:b", "a:b:X", r -> null));
    assertMessage("name: '' (expected: not blank)", () -> SourceKind.of("", "X", r -> null));
    assertMessage("form: ' ' (expected: not blank)", () -> SourceKind.of("a", " ", r -> null));
    assertEquals(
        "parser",
        assertThrows(NullPointerException.class, () -> SourceKind.of("a", "a:X", null))
            .getMessage());
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
            () ->
                Discovery.bind(
                    Discovery.fixed(List.of(Endpoint.of("http://127.0.0.1:1"))), balancer));
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
