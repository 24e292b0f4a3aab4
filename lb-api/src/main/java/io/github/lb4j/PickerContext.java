package io.github.lb4j;

/**
 * What a balancer tells the pickers of its {@link PickerFactory} beyond the candidates: its clock
 * and its balancer-wide load.
 *
 * <p>One context belongs to one balancer and outlives every picker it builds. Thread safe; nothing
 * allocates.
 */
public interface PickerContext {

  /** The balancer's clock, for latency-aware pickers ({@link Candidate#latencyEwmaNanos}). */
  Ticker ticker();

  /**
   * Calls in flight on the whole balancer, all endpoints together. Maintained only for factories
   * whose {@link PickerFactory#usesTotalInFlight()} is true, as a striped counter that callers on
   * different cores do not contend on; reading it sums the stripes.
   *
   * @throws IllegalStateException when the factory did not ask for it
   */
  int totalInFlight();
}
