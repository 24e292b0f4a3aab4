package io.github.lb4j;

import java.time.Duration;
import java.util.List;

/**
 * Builds {@link Picker}s: the service-provider interface for choice strategies.
 *
 * <p>The built-in strategies come from {@code io.github.lb4j.core.Pickers} and use nothing beyond
 * this interface, {@link Picker}, {@link ReservingPicker}, {@link Candidate} and {@link
 * PickerContext}: a strategy of your own can do whatever they do. A factory instance belongs to one
 * balancer and may hold state that must survive membership changes (a round-robin position, the
 * previous ring to update incrementally); do not share one instance between balancers.
 *
 * <p>A balancer measures only what its factory asks for: latency ({@link #usesLatency()}) costs a
 * clock read when a call is acquired and one when it is reported, and the balancer-wide in-flight
 * total ({@link #usesTotalInFlight()}) a striped counter update on each; neither is paid otherwise.
 *
 * <p>Threading: {@link #newPicker} is called by the balancer's single writer (never concurrently
 * with itself), off the pick path; the pickers it returns are used by many threads at once.
 */
public interface PickerFactory {

  /** {@return a short name for logs and snapshots, such as {@code "round-robin"}} */
  String name();

  /**
   * Builds a picker over the candidates that may currently be chosen.
   *
   * @param candidates the available candidates in membership order; never empty, never modified
   *     afterwards
   * @param context the balancer's clock and load, the same object for every call
   * @return a picker that only ever returns one of {@code candidates} or {@code null}
   */
  Picker newPicker(List<Candidate> candidates, PickerContext context);

  /**
   * Whether the pickers read {@link Candidate#latencyEwmaNanos}, so that the balancer must time
   * calls. Default {@code false}.
   *
   * @return whether calls must be timed
   */
  default boolean usesLatency() {
    return false;
  }

  /**
   * Whether the pickers read {@link PickerContext#totalInFlight()}, so that the balancer must keep
   * the total. Default {@code false}.
   *
   * @return whether the total in flight must be kept
   */
  default boolean usesTotalInFlight() {
    return false;
  }

  /**
   * How often the balancer rebuilds the picker although nothing changed, for strategies that decide
   * from what they gather between changes, such as the endpoints' load reports ({@link
   * Candidate#loadReport()}): each rebuild is one more {@link #newPicker} call on the balancer's
   * scheduler, off the pick path. {@link Duration#ZERO} (the default) for never.
   *
   * @return the period between rebuilds, positive, or {@link Duration#ZERO} for never
   */
  default Duration rebuildPeriod() {
    return Duration.ZERO;
  }
}
