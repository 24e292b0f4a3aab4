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
   * measurements in "Consistent hashing: the structure" in {@code docs/design.md}: 256 points per
   * endpoint probed 4 times (each probe scoring the points near it) spread 1,000,000 keys with
   * max/mean 1.002 to 1.010 for 2 to 6 endpoints and 1.027 for 100 (jump hash: 1.025, sampling
   * noise alone). A ring holds 8 bytes per point plus a bucket index of 2 to 4 bytes per point: 2.5
   * MB for 1,000 endpoints of weight 1; a one-endpoint change there copies it once (about half a
   * millisecond). The total, {@code virtualNodes} times the sum of the weights, may not exceed
   * 8,388,608 points.
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
   * Virtual nodes per unit of weight: more spreads load more evenly and costs memory and build
   * time.
   *
   * @param count in {@code [1, 65536]}
   * @return this builder
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
   * How many probes each key places on the ring (multi-probe consistent hashing): the key goes to
   * the point with the smallest score, its distance after one of the probes times a pseudo-random
   * factor. More probes spread load more evenly and cost about 15 to 35 nanoseconds each per pick;
   * the default, 4, meets max/mean 1.02 for 2 to 6 endpoints and 1.04 for 100.
   *
   * @param count in {@code [1, 64]}
   * @return this builder
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
   * @return this builder
   */
  public ConsistentHashBuilder boundedLoad(double factor) {
    if (!(factor > 1) || Double.isInfinite(factor)) {
      throw new IllegalArgumentException(
          "boundedLoad: " + factor + " (expected: > 1 and finite, e.g. 1.25)");
    }
    this.loadFactor = factor;
    return this;
  }

  /**
   * The hash of keys; {@link KeyHashers#defaultHasher()} unless set. Endpoints are placed by a
   * 64-bit hash of their ids, whatever this is.
   *
   * @param hasher the key hash
   * @return this builder
   */
  public ConsistentHashBuilder hasher(KeyHasher hasher) {
    this.hasher = Objects.requireNonNull(hasher, "hasher");
    return this;
  }

  /**
   * Where calls without a key land; {@link java.util.concurrent.ThreadLocalRandom} unless set.
   *
   * @param random the source of randomness for calls without a key
   * @return this builder
   */
  public ConsistentHashBuilder random(Random random) {
    this.rng = Rng.of(Objects.requireNonNull(random, "random"));
    return this;
  }

  /** {@return a new factory with this configuration} */
  public PickerFactory build() {
    return new ConsistentHashPickerFactory(virtualNodes, probes, loadFactor, hasher, rng);
  }
}
