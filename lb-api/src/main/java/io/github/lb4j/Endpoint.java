package io.github.lb4j;

import java.net.URI;
import java.util.Map;
import java.util.Objects;

/**
 * A destination a {@link Balancer} can choose: an id, an address, a weight and free-form metadata.
 *
 * <p>Two endpoints are equal when their ids are equal, whatever their address, weight or metadata:
 * the id is the identity the balancer keeps per-endpoint state under, so replacing an endpoint with
 * a new weight or address keeps its counters and its place in a hash ring.
 *
 * <p>Instances are immutable and safe to share between threads.
 *
 * @param id a non-blank identity, unique within a balancer
 * @param address where to send calls, an absolute URI such as {@code http://10.0.0.7:8080}
 * @param weight the relative share of traffic, {@code > 0}; {@value #DEFAULT_WEIGHT} by default
 * @param metadata free-form labels (zone, version, ...); copied, never {@code null}. Two keys have
 *     a meaning and are checked: {@value #ZONE} (the endpoint's zone, not blank) and {@value
 *     #PRIORITY} (its priority tier, an integer in {@code [0, }{@value #MAX_PRIORITY}{@code ]}, 0
 *     the most preferred); see {@link #zone()} and {@link #priority()}
 */
public record Endpoint(String id, URI address, int weight, Map<String, String> metadata) {

  /** The weight of an endpoint built without one. */
  public static final int DEFAULT_WEIGHT = 1;

  /** Metadata key of the endpoint's zone (locality), read by zone-aware picking. */
  public static final String ZONE = "lb4j.zone";

  /**
   * Metadata key of the endpoint's priority tier: an integer, 0 (the default) the most preferred;
   * higher tiers take traffic only as lower ones lose healthy endpoints.
   */
  public static final String PRIORITY = "lb4j.priority";

  /** The highest priority tier allowed in {@value #PRIORITY}. */
  public static final int MAX_PRIORITY = 127;

  /**
   * Checks and copies the components; see the class documentation for the rules.
   *
   * @param id a non-blank identity, unique within a balancer
   * @param address where to send calls, an absolute URI with a host
   * @param weight the relative share of traffic, {@code > 0}
   * @param metadata free-form labels; copied
   */
  public Endpoint {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(metadata, "metadata");
    if (id.isBlank()) {
      throw new IllegalArgumentException("id: '" + id + "' (expected: not blank)");
    }
    if (!address.isAbsolute() || address.getHost() == null) {
      throw new IllegalArgumentException(
          "address: "
              + address
              + " (expected: an absolute URI with a host, e.g. http://host:8080)");
    }
    if (weight <= 0) {
      throw new IllegalArgumentException("weight: " + weight + " (expected: > 0)");
    }
    metadata = Map.copyOf(metadata);
    String zone = metadata.get(ZONE);
    if (zone != null && zone.isBlank()) {
      throw new IllegalArgumentException(
          "metadata: " + ZONE + "='" + zone + "' (expected: a zone name, not blank)");
    }
    parsePriority(metadata.get(PRIORITY));
  }

  private static int parsePriority(String value) {
    if (value == null) {
      return 0;
    }
    int priority = -1;
    try {
      priority = Integer.parseInt(value.strip());
    } catch (NumberFormatException e) {
      // reported below, with the value
    }
    if (priority < 0 || priority > MAX_PRIORITY) {
      throw new IllegalArgumentException(
          "metadata: "
              + PRIORITY
              + "='"
              + value
              + "' (expected: an integer in [0, "
              + MAX_PRIORITY
              + "])");
    }
    return priority;
  }

  /**
   * The zone from {@value #ZONE}, or {@code ""} when the endpoint has none.
   *
   * @return the zone's name, never {@code null}
   */
  public String zone() {
    return metadata.getOrDefault(ZONE, "");
  }

  /**
   * The priority tier from {@value #PRIORITY}, 0 (the most preferred) when not set.
   *
   * @return the tier, 0 (the most preferred) when not set
   */
  public int priority() {
    return parsePriority(metadata.get(PRIORITY));
  }

  /**
   * An endpoint whose id is its address, with the default weight and no metadata.
   *
   * @param address an absolute URI with a host, such as {@code http://127.0.0.1:8081}
   * @return the endpoint
   * @throws IllegalArgumentException if {@code address} is not such a URI
   */
  public static Endpoint of(String address) {
    Objects.requireNonNull(address, "address");
    URI uri;
    try {
      uri = URI.create(address);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "address: " + address + " (expected: an absolute URI with a host, e.g. http://host:8080)",
          e);
    }
    return new Endpoint(address, uri, DEFAULT_WEIGHT, Map.of());
  }

  /**
   * An endpoint with the given id and address, the default weight and no metadata.
   *
   * @param id a non-blank identity, unique within a balancer
   * @param address where to send calls, an absolute URI with a host
   * @return the endpoint
   */
  public static Endpoint of(String id, URI address) {
    return new Endpoint(id, address, DEFAULT_WEIGHT, Map.of());
  }

  /**
   * This endpoint with another weight; {@code this} when the weight is unchanged.
   *
   * @param newWeight the weight, {@code > 0}
   * @return the endpoint with that weight
   */
  public Endpoint withWeight(int newWeight) {
    return newWeight == weight ? this : new Endpoint(id, address, newWeight, metadata);
  }

  /**
   * This endpoint with other metadata; {@code this} when the metadata is unchanged.
   *
   * @param newMetadata the metadata; copied
   * @return the endpoint with that metadata
   */
  public Endpoint withMetadata(Map<String, String> newMetadata) {
    return metadata.equals(newMetadata) ? this : new Endpoint(id, address, weight, newMetadata);
  }

  /** Equal when the ids are equal. */
  @Override
  public boolean equals(Object o) {
    return o instanceof Endpoint other && id.equals(other.id);
  }

  @Override
  public int hashCode() {
    return id.hashCode();
  }

  @Override
  public String toString() {
    return weight == DEFAULT_WEIGHT && id.equals(address.toString())
        ? id
        : id + "(" + address + ", weight=" + weight + ")";
  }
}
