package io.github.lb4j.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.lb4j.Endpoint;
import io.github.lb4j.discovery.Discovery;
import io.github.lb4j.discovery.SourceKind;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** What the DNS sources accept and reject before anything is resolved. */
final class DnsSourceBuilderTest {
  private static final String FORMS =
      "(expected: dns:NAME:PORT[@SERVER], dns-srv:NAME[@SERVER], file:PATH or static:URL[,URL...])";

  private static void assertMessage(String expected, Executable call) {
    assertEquals(expected, assertThrows(IllegalArgumentException.class, call).getMessage());
  }

  @Test
  void dns_badArguments_rejectedWithMessage() {
    assertMessage("port: 0 (expected: in [1, 65535])", () -> DnsDiscovery.dns("svc.test", 0));
    assertMessage(
        "port: 65536 (expected: in [1, 65535])", () -> DnsDiscovery.dns("svc.test", 65536));
    assertMessage("name: ' ' (expected: not blank)", () -> DnsDiscovery.dns(" ", 80));
    assertMessage("name: '' (expected: not blank)", () -> DnsDiscovery.dnsSrv(""));
    assertMessage(
        "name: 'a b.test' (expected: a DNS name without spaces)",
        () -> DnsDiscovery.dnsSrv("a b.test"));
    assertThrows(NullPointerException.class, () -> DnsDiscovery.dns(null, 80));
  }

  @Test
  void dnsBuilder_badSettings_rejectedWithMessage() {
    DnsSourceBuilder b = DnsDiscovery.dns("svc.test", 80);
    assertMessage("timeout: PT0S (expected: > 0)", () -> b.timeout(Duration.ZERO));
    assertMessage("ttlFloor: PT-1S (expected: > 0)", () -> b.ttlFloor(Duration.ofSeconds(-1)));
    assertMessage("ttlCeiling: PT0S (expected: > 0)", () -> b.ttlCeiling(Duration.ZERO));
    assertMessage(
        "scheme: 'ht tp' (expected: a URI scheme such as http or https)", () -> b.scheme("ht tp"));
    assertEquals(
        "scheduler",
        assertThrows(NullPointerException.class, () -> b.scheduler(null)).getMessage());
    assertEquals(
        "ticker", assertThrows(NullPointerException.class, () -> b.ticker(null)).getMessage());
  }

  @Test
  void dnsBuilder_server_takesIpLiteralsOnly() {
    DnsSourceBuilder b = DnsDiscovery.dns("svc.test", 80);
    String expected =
        " (expected: an IP address with an optional port, e.g. 10.0.0.2 or [::1]:5353)";
    for (String bad :
        List.of(
            "dns.example:53",
            "dns.example",
            "127.0.0.1:x",
            "127.0.0.1:",
            "1.2.3",
            "01.2.3.4",
            "256.1.1.1",
            "[127.0.0.1]:53",
            "[::1",
            "[::1]53",
            "::g",
            "")) {
      assertMessage("server: '" + bad + "'" + expected, () -> b.server(bad));
    }
    assertMessage("server port: 0 (expected: in [1, 65535])", () -> b.server("127.0.0.1:0"));
    assertMessage("server port: 70000 (expected: in [1, 65535])", () -> b.server("[::1]:70000"));
    for (String good :
        List.of(
            "10.96.0.10",
            "127.0.0.1:5353",
            "::1",
            "[::1]",
            "[::1]:5353",
            "fe80::1",
            " 192.168.0.1:53 ")) {
      b.server(good);
    }
  }

  @Test
  void dnsBuilder_floorAboveCeiling_rejectedAtBuild() {
    DnsSourceBuilder b =
        DnsDiscovery.dns("svc.test", 80)
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
        () -> DnsDiscovery.dns("a..b", 80).server("127.0.0.1").build());
  }

  @Test
  void build_describesTheSourceByItsSpec() {
    assertEquals("dns:svc.test:80", DnsDiscovery.dns("svc.test", 80).build().toString());
    assertEquals(
        "dns-srv:_http._tcp.svc.test",
        DnsDiscovery.dnsSrv("_http._tcp.svc.test").server("127.0.0.1").build().toString());
  }

  @Test
  void parse_badDnsSpecs_rejectedWithMessage() {
    assertMessage("spec: 'consul:workers' " + FORMS, () -> DnsDiscovery.parse("consul:workers"));
    assertMessage("spec: 'dns:' " + FORMS, () -> DnsDiscovery.parse("dns:"));
    assertMessage(
        "spec: 'dns:svc.test' " + FORMS + ": missing :PORT",
        () -> DnsDiscovery.parse("dns:svc.test"));
    assertMessage(
        "spec: 'dns:svc.test:http' " + FORMS + ": port: 'http' is no number",
        () -> DnsDiscovery.parse("dns:svc.test:http"));
    assertMessage(
        "spec: 'dns:svc.test:0' " + FORMS + ": port: 0 (expected: in [1, 65535])",
        () -> DnsDiscovery.parse("dns:svc.test:0"));
    assertMessage(
        "spec: 'dns-srv:svc.test@dns.example' "
            + FORMS
            + ": server: 'dns.example' (expected: an IP address with an optional port,"
            + " e.g. 10.0.0.2 or [::1]:5353)",
        () -> DnsDiscovery.parse("dns-srv:svc.test@dns.example"));
  }

  @Test
  void parse_otherForms_stillParsed() {
    List<List<Endpoint>> sets = new ArrayList<>();
    DnsDiscovery.parse("static:http://127.0.0.1:1").subscribe(sets::add).close();
    assertEquals(List.of(List.of(Endpoint.of("http://127.0.0.1:1"))), sets);
    assertEquals("dns:svc.test:80", DnsDiscovery.parse("dns:svc.test:80@[::1]:5353").toString());
  }

  @Test
  void kinds_combineWithOtherKinds() {
    SourceKind consul =
        SourceKind.of("consul", "consul:SERVICE", rest -> Discovery.parse("static:" + rest));
    List<SourceKind> kinds = new ArrayList<>(DnsDiscovery.kinds());
    kinds.add(consul);
    assertEquals(
        "static:[http://127.0.0.1:1]",
        Discovery.parse("consul:http://127.0.0.1:1", kinds).toString());
    assertMessage(
        "spec: 'x:y' (expected: dns:NAME:PORT[@SERVER], dns-srv:NAME[@SERVER], consul:SERVICE,"
            + " file:PATH or static:URL[,URL...])",
        () -> Discovery.parse("x:y", kinds));
  }

  @Test
  void uriHost_ipv6InTheShortForm_ipv4Dotted() throws Exception {
    assertEquals("10.0.0.1", IpLiterals.uriHost(InetAddress.getByName("10.0.0.1")));
    assertEquals("[::1]", IpLiterals.uriHost(InetAddress.getByName("::1")));
    assertEquals("[::]", IpLiterals.uriHost(InetAddress.getByName("::")));
    assertEquals("[fe80::1]", IpLiterals.uriHost(InetAddress.getByName("FE80:0:0:0:0:0:0:0001")));
    assertEquals("[1:0:0:2::3]", IpLiterals.uriHost(InetAddress.getByName("1:0:0:2:0:0:0:3")));
    assertEquals("[1::2:0:0:3]", IpLiterals.uriHost(InetAddress.getByName("1:0:0:0:2:0:0:3")));
    assertEquals(
        "[2001:db8::1:0]", IpLiterals.uriHost(InetAddress.getByName("2001:db8:0:0:0:0:1:0")));
    assertEquals(
        "[2001:db8:0:1:1:1:1:1]",
        IpLiterals.uriHost(InetAddress.getByName("2001:db8:0:1:1:1:1:1")));
    assertEquals("[1::]", IpLiterals.uriHost(InetAddress.getByName("1::")));
  }
}
