package io.github.lb4j.core;

import io.github.lb4j.PickerFactory;
import java.util.Objects;
import java.util.Random;
import java.util.function.LongBinaryOperator;
import java.util.function.LongUnaryOperator;

/**
 * The built-in choice strategies. Each call returns a new factory, to be given to one balancer.
 *
 * <table>
 *   <caption>Strategies</caption>
 *   <tr><th>Factory</th><th>Chooses</th><th>Needs {@code acquire()}</th></tr>
 *   <tr><td>{@link #roundRobin()}</td><td>in turn; nginx's smooth weighted round-robin when
 *       weights differ</td><td>no</td></tr>
 *   <tr><td>{@link #random()}</td><td>at random, weighted</td><td>no</td></tr>
 *   <tr><td>{@link #leastConnection()}</td><td>fewest in-flight calls per unit of weight</td>
 *       <td>yes</td></tr>
 *   <tr><td>{@link #peakEwma()}</td><td>lowest latency average times in-flight calls</td>
 *       <td>yes</td></tr>
 *   <tr><td>{@link #reportedLoad()}</td><td>weighted round-robin on the load endpoints report,
 *       least-connection without reports</td><td>yes</td></tr>
 *   <tr><td>{@link #consistentHash()}</td><td>by key on a ring of virtual nodes</td><td>no</td></tr>
 *   <tr><td>{@link #consistentHashBuilder()}{@code .boundedLoad(1.25)}</td><td>by key, capped at
 *       1.25x the average load</td><td>yes</td></tr>
 *   <tr><td>{@link #locality()}</td><td>priority tiers and the local zone first, then any of
 *       these within</td><td>as the inner strategy</td></tr>
 *   <tr><td>{@link #classicSeedHash()}</td><td>the classic 512-slot ring, for comparison</td>
 *       <td>no</td></tr>
 * </table>
 *
 * <p>Strategies that need {@code acquire()} decide from in-flight counts, which only leases
 * maintain; with plain {@code choose()} every endpoint looks idle. Thread safe and stateless.
 */
public final class Pickers {
  private Pickers() {}

  /**
   * Round-robin; smooth weighted round-robin (nginx) when weights differ.
   *
   * @return the round-robin factory
   */
  public static PickerFactory roundRobin() {
    return new RoundRobinPickerFactory();
  }

  /**
   * Weighted random choice with {@link java.util.concurrent.ThreadLocalRandom}.
   *
   * @return the random factory
   */
  public static PickerFactory random() {
    return new RandomPickerFactory(Rng.THREAD_LOCAL);
  }

  /**
   * Weighted random choice drawing from {@code random}, for repeatable tests.
   *
   * @param random the source of randomness
   * @return the random factory
   */
  public static PickerFactory random(Random random) {
    return new RandomPickerFactory(Rng.of(Objects.requireNonNull(random, "random")));
  }

  /**
   * Least-connection: the fewest in-flight calls per unit of weight (the weight times the warm-up
   * share). Up to 16 endpoints it compares them all and breaks a tie with one random draw in
   * proportion to the tied weights, so that endpoints that are all idle (one call at a time) share
   * calls by weight; above 16 it samples two distinct endpoints, the first by weight, and takes the
   * lighter, the first on a tie. Draws from {@link java.util.concurrent.ThreadLocalRandom}; no
   * locking or allocation per pick.
   *
   * @return the least-connection factory
   */
  public static PickerFactory leastConnection() {
    return new LeastLoadPickerFactory(LeastLoadPickerFactory.Mode.CONNECTIONS, Rng.THREAD_LOCAL);
  }

  /**
   * {@link #leastConnection()} breaking ties and sampling with {@code random}, for tests.
   *
   * @param random the source of randomness
   * @return the least-connection factory
   */
  public static PickerFactory leastConnection(Random random) {
    return new LeastLoadPickerFactory(
        LeastLoadPickerFactory.Mode.CONNECTIONS, Rng.of(Objects.requireNonNull(random, "random")));
  }

  /**
   * Finagle's peak-EWMA: of two distinct endpoints sampled at random (the first by weight), the one
   * with the lower peak-sensitive latency average times (in-flight + 1), per unit of weight.
   * Averages within 25% of each other count as alike, and then the fewer calls in flight per unit
   * of weight wins, so that identical endpoints share calls evenly. A failed call counts as the
   * balancer's {@link BalancerBuilder#failurePenalty}, so failing fast does not attract calls; an
   * endpoint without a latency sample yet is tried with one call, not flooded, until that call
   * ends. The average's decay is the balancer's {@link BalancerBuilder#latencyDecay}. One clock
   * read per pick.
   *
   * @return the peak-EWMA factory
   */
  public static PickerFactory peakEwma() {
    return new LeastLoadPickerFactory(LeastLoadPickerFactory.Mode.PEAK_EWMA, Rng.THREAD_LOCAL);
  }

  /**
   * {@link #peakEwma()} sampling with {@code random}, for tests.
   *
   * @param random the source of randomness
   * @return the peak-EWMA factory
   */
  public static PickerFactory peakEwma(Random random) {
    return new LeastLoadPickerFactory(
        LeastLoadPickerFactory.Mode.PEAK_EWMA, Rng.of(Objects.requireNonNull(random, "random")));
  }

  /**
   * Weighted round-robin on the load endpoints report with their answers (gRPC's {@code
   * weighted_round_robin}): weight = qps / (utilization + eps / qps), used after a 10 s blackout,
   * dropped after 3 min without reports, least-connection while fewer than two endpoints have a
   * weight. Integrations hand reports in with {@link io.github.lb4j.Lease#reportLoadHeader}. The
   * defaults of {@link #reportedLoadBuilder()}.
   *
   * @return the reported-load factory
   */
  public static PickerFactory reportedLoad() {
    return reportedLoadBuilder().build();
  }

  /**
   * Configures the reported-load picker: blackout, expiration, update period, error penalty.
   *
   * @return a new builder
   */
  public static ReportedLoadBuilder reportedLoadBuilder() {
    return new ReportedLoadBuilder();
  }

  /**
   * Consistent hashing with the defaults of {@link #consistentHashBuilder()}.
   *
   * @return the consistent-hash factory
   */
  public static PickerFactory consistentHash() {
    return consistentHashBuilder().build();
  }

  /**
   * Configures consistent hashing: virtual nodes, hash function, bounded loads.
   *
   * @return a new builder
   */
  public static ConsistentHashBuilder consistentHashBuilder() {
    return new ConsistentHashBuilder();
  }

  /**
   * The classic 512-slot ring with 9 virtual servers and quadratic slot functions that lb4j's
   * consistent-hash experiments start from. It balances poorly; use it only to compare.
   *
   * @return the classic ring's factory
   */
  public static PickerFactory classicSeedHash() {
    return classicSeedHash(
        ClassicSeedHashPickerFactory.SEED_H, ClassicSeedHashPickerFactory.SEED_PHI);
  }

  /**
   * The classic 512-slot ring with other slot functions: request id {@code i} lands at {@code
   * H(i)}, replica {@code j} (0 to 8) of the server at 1-based position {@code i} at {@code Φ(i,
   * j)}, both taken modulo 512. The request id is the key's decimal value, else its non-negative
   * {@code String.hashCode()}. For studying what the functions change; {@link #consistentHash()} is
   * the ring to use.
   *
   * <p>Both functions must be pure and must not throw: {@code phi} runs on every membership change,
   * {@code h} on every pick, on the caller's thread.
   *
   * @param h the request slot function
   * @param phi the server slot function
   * @return the classic ring's factory with these functions
   */
  public static PickerFactory classicSeedHash(LongUnaryOperator h, LongBinaryOperator phi) {
    return new ClassicSeedHashPickerFactory(
        Rng.THREAD_LOCAL, Objects.requireNonNull(h, "h"), Objects.requireNonNull(phi, "phi"));
  }

  /**
   * Configures priority tiers ({@link io.github.lb4j.Endpoint#PRIORITY}) and zone-aware routing
   * ({@link io.github.lb4j.Endpoint#ZONE}) around another strategy, with Envoy's semantics: see
   * {@link LocalityBuilder}.
   *
   * @return a new builder with the defaults: no local zone, round-robin within each group
   */
  public static LocalityBuilder locality() {
    return new LocalityBuilder();
  }
}
