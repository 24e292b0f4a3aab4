package io.github.lb4j.core;

import io.github.lb4j.KeyHasher;
import io.github.lb4j.PickerFactory;
import java.util.Objects;
import java.util.Random;

/**
 * Configures a consistent-hash {@link PickerFactory}; obtain one from {@link
 * Pickers#consistentHashBuilder()}.
 *
 * <p>Not thread safe; {@link #build()} may be called more than once, each call giving a new
 * factory.
 */
public final class ConsistentHashBuilder {
  /**
   * Virtual nodes per unit of weight unless set. Chosen with {@link #DEFAULT_PROBES} from the
   * distribution and cost measurements in {@code docs/benchmarks.md}: 256 points per endpoint probed
   * 4 times spread 1,000,000 keys with max/mean about 1.02 for 2 to 6 endpoints and 1.07 for 100,
   * evener than 64 points probed 16 times, at a quarter of the probes per pick; the ring for 1,000
   * endpoints (256,000 points, about 4 MB) builds in a few milliseconds. Random virtual nodes alone
   * need about 1,000 per endpoint for that spread.
   */
  public static final int DEFAULT_VIRTUAL_NODES = 256;

  /** Probes per key unless set; see {@link #probes(int)}. */
  public static final int DEFAULT_PROBES = 4;

  /** The most probes per key. */
  public static final int MAX_PROBES = 64;

  /** The most virtual nodes per unit of weight. */
  public static final int MAX_VIRTUAL_NODES = 1 << 16;

  private int virtualNodes = DEFAULT_VIRTUAL_NODES;
  private int probes = DEFAULT_PROBES;
  private double loadFactor;
  private KeyHasher hasher = KeyHashers.defaultHasher();
  private Rng rng = Rng.THREAD_LOCAL;

  ConsistentHashBuilder() {}

  /**
   * Virtual nodes per unit of weight: more spreads load more evenly and costs memory and build time.
   *
   * @param count in {@code [1, 65536]}
   */
  public ConsistentHashBuilder virtualNodes(int count) {
    if (count < 1 || count > MAX_VIRTUAL_NODES) {
      throw new IllegalArgumentException(
          "virtualNodes: " + count + " (expected: in [1, " + MAX_VIRTUAL_NODES + "])");
    }
    this.virtualNodes = count;
    return this;
  }

  /**
   * How many points on the ring each key tries (multi-probe consistent hashing): the key goes to the
   * endpoint whose point follows one of its probes most closely. More probes spread load more evenly
   * and cost 15 to 25 nanoseconds each per pick (a few cache misses into the ring); {@code 1} is
   * the classic ring.
   *
   * @param count in {@code [1, 64]}
   */
  public ConsistentHashBuilder probes(int count) {
    if (count < 1 || count > MAX_PROBES) {
      throw new IllegalArgumentException(
          "probes: " + count + " (expected: in [1, " + MAX_PROBES + "])");
    }
    this.probes = count;
    return this;
  }

  /**
   * Turns on bounded loads: no endpoint takes more than {@code factor} times its weighted share of
   * the calls in flight; overflow walks clockwise to the next endpoint. Requires {@code acquire()}.
   *
   * @param factor {@code > 1}, typically 1.25
   */
  public ConsistentHashBuilder boundedLoad(double factor) {
    if (!(factor > 1) || Double.isInfinite(factor)) {
      throw new IllegalArgumentException(
          "boundedLoad: " + factor + " (expected: > 1 and finite, e.g. 1.25)");
    }
    this.loadFactor = factor;
    return this;
  }

  /** The hash of keys and endpoint ids; {@link KeyHashers#defaultHasher()} unless set. */
  public ConsistentHashBuilder hasher(KeyHasher hasher) {
    this.hasher = Objects.requireNonNull(hasher, "hasher");
    return this;
  }

  /** Where calls without a key land; {@link java.util.concurrent.ThreadLocalRandom} unless set. */
  public ConsistentHashBuilder random(Random random) {
    this.rng = Rng.of(Objects.requireNonNull(random, "random"));
    return this;
  }

  /** A new factory with this configuration. */
  public PickerFactory build() {
    return new ConsistentHashPickerFactory(virtualNodes, probes, loadFactor, hasher, rng);
  }
}
