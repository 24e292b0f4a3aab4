package io.github.lb4j.core;

import static io.github.lb4j.internal.Checks.positive;

import java.time.Duration;

/**
 * Configures warm-up (slow start) in {@link BalancerBuilder#warmUp}: an endpoint that joins the
 * balancer, or becomes healthy again after a failed health check or an ejection, gets a growing
 * share of traffic over a window instead of its full share at once, so that a cold process (empty
 * caches, unjitted code, a fresh connection pool) is not flooded.
 *
 * <p>The share of its weight at {@code t} into the window is {@code max(minShare, (t / window) ^ (1
 * / aggression))}. It grows in ten steps, each a picker rebuild on the balancer's scheduler, so
 * picking costs the same with or without warm-up. How each strategy applies it:
 *
 * <ul>
 *   <li>round-robin and random: the weight is scaled by the share;
 *   <li>least-connection and peak-EWMA: the load is divided by the share, so that a warming
 *       endpoint, which looks idle, is not sent every call until its in-flight count catches up (it
 *       settles at about {@code share} times the in-flight calls of its peers);
 *   <li>bounded-load consistent hashing: the endpoint's load cap is scaled by the share, overflow
 *       walks on as usual; plain consistent hashing and the classic seed ring ignore warm-up, since
 *       moving keys away would break their affinity.
 * </ul>
 *
 * <p>Endpoints given to the builder do not warm up: when all endpoints start together, none needs
 * shielding from the others. Not thread safe; used only inside {@link BalancerBuilder#warmUp}.
 */
public final class WarmUpBuilder {
  /**
   * The window unless set: long enough for a JVM service to compile its hot paths and fill its
   * caches under a growing load, short enough that a rolling deploy is not slowed down noticeably.
   */
  public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(30);

  /** The aggression unless set: the share grows linearly. */
  public static final double DEFAULT_AGGRESSION = 1.0;

  /** The starting share unless set, Envoy's default of 10%. */
  public static final double DEFAULT_MIN_SHARE = 0.1;

  private Duration window = DEFAULT_WINDOW;
  private double aggression = DEFAULT_AGGRESSION;
  private double minShare = DEFAULT_MIN_SHARE;

  WarmUpBuilder() {}

  /**
   * How long an endpoint takes to reach its full share; 30 seconds unless set.
   *
   * @param window the ramp's length, {@code > 0}
   * @return this builder
   */
  public WarmUpBuilder window(Duration window) {
    this.window = positive("window", window);
    return this;
  }

  /**
   * The curve's shape: {@code 1} (the default) is linear, larger values ramp up faster at the start
   * of the window and slower at its end, smaller values the other way around.
   *
   * @param aggression {@code > 0} and finite
   * @return this builder
   */
  public WarmUpBuilder aggression(double aggression) {
    if (!(aggression > 0) || Double.isInfinite(aggression)) {
      throw new IllegalArgumentException(
          "aggression: " + aggression + " (expected: > 0 and finite)");
    }
    this.aggression = aggression;
    return this;
  }

  /**
   * The smallest share of its weight a warming endpoint gets, so that it receives some traffic from
   * the start; 0.1 unless set.
   *
   * @param share in {@code (0, 1]}
   * @return this builder
   */
  public WarmUpBuilder minShare(double share) {
    if (!(share > 0 && share <= 1)) {
      throw new IllegalArgumentException("minShare: " + share + " (expected: in (0, 1])");
    }
    this.minShare = share;
    return this;
  }

  WarmUp build() {
    return new WarmUp(window.toNanos(), aggression, minShare);
  }
}
