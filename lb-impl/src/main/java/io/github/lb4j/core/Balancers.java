package io.github.lb4j.core;

/**
 * The entry point of lb4j's implementation: {@code Balancers.builder()...build()}.
 *
 * <p>Stateless and thread safe.
 */
public final class Balancers {
  private Balancers() {}

  /**
   * A new builder with the defaults: round-robin, system ticker, panic mode off.
   *
   * @return a new builder
   */
  public static BalancerBuilder builder() {
    return new BalancerBuilder();
  }
}
