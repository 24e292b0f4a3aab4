package io.github.lb4j;

import java.util.List;

/**
 * What a balancer tells the pickers of its {@link PickerFactory} beyond the candidates: its clock
 * and its balancer-wide load.
 *
 * <p>One context belongs to one balancer and outlives every picker it builds. Thread safe; nothing
 * allocates.
 */
public interface PickerContext {

  /** {@return the balancer's clock} */
  Ticker ticker();

  /**
   * A recent reading of {@link #ticker()}, refreshed whenever the balancer reads its clock to time
   * a call (when a call is acquired and when it is reported) and the reading has moved on by a
   * millisecond or more; before the first such read, the time the balancer was built. For what
   * needs the time but not its last microsecond, such as decaying latency averages at pick time
   * ({@link Candidate#latencyEwmaNanos}): a volatile read instead of a clock read, which costs tens
   * of nanoseconds on some machines.
   *
   * @return a recent ticker reading in nanoseconds
   */
  long recentNanos();

  /**
   * Calls in flight on the whole balancer, all endpoints together. Maintained only for factories
   * whose {@link PickerFactory#usesTotalInFlight()} is true, as a striped counter that callers on
   * different cores do not contend on; reading it sums the stripes.
   *
   * @return the calls in flight over all endpoints
   * @throws IllegalStateException when the factory did not ask for it
   */
  int totalInFlight();

  /**
   * Every member of the balancer the picker being built is for, available or not (unhealthy,
   * ejected), in membership order; read it in {@link PickerFactory#newPicker}, where it describes
   * the same change as the candidates. For strategies that need the share of a group that is
   * available (priority tiers), not only the available part. The default, for contexts that do not
   * know, is an empty list: every member then counts as available.
   *
   * @return the members, unmodifiable; empty when the context does not know them
   */
  default List<Endpoint> members() {
    return List.of();
  }
}
