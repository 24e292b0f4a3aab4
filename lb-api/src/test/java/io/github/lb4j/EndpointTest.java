package io.github.lb4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class EndpointTest {

  @Test
  void of_address_usesAddressAsIdWithDefaultWeight() {
    Endpoint e = Endpoint.of("http://127.0.0.1:8081");
    assertEquals("http://127.0.0.1:8081", e.id());
    assertEquals(URI.create("http://127.0.0.1:8081"), e.address());
    assertEquals(1, e.weight());
    assertEquals(Map.of(), e.metadata());
  }

  @Test
  void equals_sameIdOtherAttributes_equal() {
    Endpoint a = new Endpoint("a", URI.create("http://h1:1"), 1, Map.of());
    Endpoint b = new Endpoint("a", URI.create("http://h2:2"), 5, Map.of("zone", "z"));
    assertEquals(a, b);
    assertEquals(a.hashCode(), b.hashCode());
    assertNotEquals(a, Endpoint.of("b", URI.create("http://h1:1")));
  }

  @Test
  void withWeight_unchanged_returnsThis() {
    Endpoint e = Endpoint.of("http://h:1");
    assertSame(e, e.withWeight(1));
    assertEquals(3, e.withWeight(3).weight());
    assertSame(e, e.withMetadata(Map.of()));
  }

  @Test
  void metadata_isCopied() {
    Map<String, String> labels = new HashMap<>(Map.of("zone", "a"));
    Endpoint e = new Endpoint("a", URI.create("http://h:1"), 1, labels);
    labels.put("zone", "b");
    assertEquals("a", e.metadata().get("zone"));
  }

  @Test
  void constructor_badWeight_namesValue() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new Endpoint("a", URI.create("http://h:1"), -1, Map.of()));
    assertEquals("weight: -1 (expected: > 0)", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Endpoint.of("http://h:1").withWeight(0));
  }

  @Test
  void constructor_blankId_namesValue() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new Endpoint(" ", URI.create("http://h:1"), 1, Map.of()));
    assertEquals("id: ' ' (expected: not blank)", e.getMessage());
  }

  @Test
  void of_relativeOrMalformedAddress_namesValue() {
    IllegalArgumentException relative =
        assertThrows(IllegalArgumentException.class, () -> Endpoint.of("worker-1:8080/x"));
    assertEquals(
        "address: worker-1:8080/x (expected: an absolute URI with a host, e.g. http://host:8080)",
        relative.getMessage());
    IllegalArgumentException malformed =
        assertThrows(IllegalArgumentException.class, () -> Endpoint.of("http://bad host"));
    assertEquals(
        "address: http://bad host (expected: an absolute URI with a host, e.g. http://host:8080)",
        malformed.getMessage());
  }

  @Test
  void constructor_nulls_nameParameter() {
    NullPointerException e =
        assertThrows(NullPointerException.class, () -> new Endpoint("a", null, 1, Map.of()));
    assertEquals("address", e.getMessage());
  }

  @Test
  void noAvailableEndpointException_namesBalancerAndReason() {
    NoAvailableEndpointException e = new NoAvailableEndpointException("tiles", "no endpoints");
    assertEquals("balancer 'tiles': no endpoint available: no endpoints", e.getMessage());
    assertEquals("tiles", e.balancerName());
  }

  @Test
  void zoneAndPriority_fromMetadata_defaultsWhenAbsent() {
    Endpoint plain = Endpoint.of("http://h:1");
    assertEquals("", plain.zone());
    assertEquals(0, plain.priority());
    Endpoint placed =
        plain.withMetadata(Map.of(Endpoint.ZONE, "eu-west-1a", Endpoint.PRIORITY, " 2"));
    assertEquals("eu-west-1a", placed.zone());
    assertEquals(2, placed.priority());
  }

  @Test
  void metadata_badZoneOrPriority_throwsNamingKeyAndValue() {
    Endpoint e = Endpoint.of("http://h:1");
    assertEquals(
        "metadata: lb4j.priority='high' (expected: an integer in [0, 127])",
        assertThrows(
                IllegalArgumentException.class,
                () -> e.withMetadata(Map.of(Endpoint.PRIORITY, "high")))
            .getMessage());
    assertEquals(
        "metadata: lb4j.priority='-1' (expected: an integer in [0, 127])",
        assertThrows(
                IllegalArgumentException.class,
                () -> e.withMetadata(Map.of(Endpoint.PRIORITY, "-1")))
            .getMessage());
    assertThrows(
        IllegalArgumentException.class, () -> e.withMetadata(Map.of(Endpoint.PRIORITY, "128")));
    assertEquals(
        "metadata: lb4j.zone=' ' (expected: a zone name, not blank)",
        assertThrows(
                IllegalArgumentException.class, () -> e.withMetadata(Map.of(Endpoint.ZONE, " ")))
            .getMessage());
  }
}
