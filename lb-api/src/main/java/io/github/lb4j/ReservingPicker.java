package io.github.lb4j;

import java.util.Set;

/**
 * A {@link Picker} that counts the call in flight itself while it chooses, for strategies that
 * bound how many calls an endpoint may hold (bounded-load hashing): checking the bound and counting
 * the call must be one atomic step ({@link Candidate#tryReserve}), or concurrent callers would
 * overshoot it.
 *
 * <p>The balancer calls {@link #reserve} for {@link Balancer#acquire()} and its variants, and
 * {@link #pick(String)} for {@link Balancer#choose()}, which tracks nothing and must not reserve.
 * For every other picker the balancer counts the call after {@code pick} returns.
 *
 * <p>Threading: as {@link Picker}.
 */
public interface ReservingPicker extends Picker {

  /**
   * Chooses a candidate whose id is not in {@code exclude} and reserves it with {@link
   * Candidate#tryReserve}. The balancer wraps the returned candidate in a lease and releases the
   * reservation when the lease closes.
   *
   * @param key the affinity key, or {@code null}
   * @param exclude ids not to choose; usually empty
   * @return the reserved candidate, or {@code null} when none could be reserved (nothing reserved)
   */
  Candidate reserve(String key, Set<String> exclude);
}
