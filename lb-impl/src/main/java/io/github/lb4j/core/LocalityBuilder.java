package io.github.lb4j.core;

import io.github.lb4j.Endpoint;
import io.github.lb4j.PickerFactory;
import io.github.lb4j.internal.Checks;
import java.util.Objects;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Configures priority tiers and zone-aware routing around another strategy; obtain one from {@link
 * Pickers#locality()}.
 *
 * <pre>{@code
 * PickerFactory picker = Pickers.locality()
 *     .localZone("eu-west-1a")
 *     .within(Pickers::leastConnection)
 *     .build();
 * }</pre>
 *
 * <p>Endpoints are grouped by their priority tier ({@link Endpoint#PRIORITY}) and, when a local
 * zone is set, by zone ({@link Endpoint#ZONE}). Each group gets its own picker of the inner
 * strategy, and a pick first draws a group by its share of traffic:
 *
 * <ul>
 *   <li><b>Tiers</b> (Envoy's priority levels): a tier's health is {@code min(1, factor × available
 *       / members)} of that tier, {@code factor} the {@linkplain #overprovisioningFactor
 *       overprovisioning factor} (1.4). Tier 0 takes its health as its share, tier 1 takes its own
 *       health out of what is left, and so on; when the tiers' healths add up to less than 1, the
 *       shares are scaled up in proportion so that they add up to 1. So tier 0 keeps all traffic
 *       until fewer than 1 / 1.4 ≈ 71% of its endpoints are available.
 *   <li><b>Zones</b> (Envoy's zone-aware routing, within each tier): callers are assumed spread
 *       over zones as the tier's members are. If the local zone's share of the tier's available
 *       endpoints is at least its share of the members, it takes all of the tier's traffic;
 *       otherwise it takes {@code available share / member share} of it, and the rest goes to the
 *       other zones in proportion to their spare capacity (available share minus member share,
 *       where positive), so that no zone gets more than its share of the callers.
 * </ul>
 *
 * <p>An affinity key chooses its group by its hash, so one key keeps to one group while the shares
 * stay put; without a key the group is drawn at random. Groups are rebuilt with the picker, off the
 * pick path; a pick draws once and scans the few groups' thresholds, without locking or allocating.
 *
 * <p>Threading: a builder is not thread safe; the factory it builds belongs to one balancer.
 */
public final class LocalityBuilder {
  /** Envoy's default overprovisioning factor. */
  static final double DEFAULT_OVERPROVISIONING_FACTOR = 1.4;

  private String localZone;
  private double overprovisioningFactor = DEFAULT_OVERPROVISIONING_FACTOR;
  private Supplier<PickerFactory> inner = Pickers::roundRobin;
  private Rng rng = Rng.THREAD_LOCAL;

  LocalityBuilder() {}

  /**
   * The caller's zone, compared with the endpoints' {@link Endpoint#ZONE}: turns on zone-aware
   * routing. Unset, zones are ignored and only tiers count.
   *
   * @param zone the caller's zone name, not blank
   * @return this builder
   * @throws IllegalArgumentException when {@code zone} is blank
   */
  public LocalityBuilder localZone(String zone) {
    this.localZone = Checks.notBlank("localZone", zone);
    return this;
  }

  /**
   * How much spare capacity a tier is assumed to have: a tier with this factor times its available
   * share at or above 1 keeps all its traffic. 1.4 unless set (Envoy's default); 1 moves traffic as
   * soon as one endpoint of a tier is lost.
   *
   * @param factor {@code >= 1} and finite
   * @return this builder
   * @throws IllegalArgumentException when {@code factor} is below 1, infinite or NaN
   */
  public LocalityBuilder overprovisioningFactor(double factor) {
    if (!(factor >= 1) || Double.isInfinite(factor)) {
      throw new IllegalArgumentException(
          "overprovisioningFactor: " + factor + " (expected: a finite number >= 1)");
    }
    this.overprovisioningFactor = factor;
    return this;
  }

  /**
   * The strategy within each group: a supplier called once per group for a new factory (factories
   * may hold state such as a round-robin position, so groups do not share one), such as {@code
   * Pickers::leastConnection}. Round-robin unless set.
   *
   * @param inner makes the factory of one group, a new one on each call; not {@code null}
   * @return this builder
   */
  public LocalityBuilder within(Supplier<PickerFactory> inner) {
    this.inner = Objects.requireNonNull(inner, "within");
    return this;
  }

  /**
   * Draws groups from {@code random} instead of {@code ThreadLocalRandom}, for repeatable tests.
   *
   * @param random the source of the group draws, shared by every pick; not {@code null}
   * @return this builder
   */
  public LocalityBuilder random(Random random) {
    this.rng = Rng.of(Objects.requireNonNull(random, "random"));
    return this;
  }

  /**
   * Builds the factory, asking the {@linkplain #within inner supplier} for its first factory.
   *
   * @return a new factory with these settings, for one balancer
   * @throws IllegalArgumentException when the supplier returns {@code null}
   */
  public PickerFactory build() {
    return new LocalityPickerFactory(localZone, overprovisioningFactor, inner, rng);
  }
}
