package io.github.lb4j;

import java.time.Duration;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * Live numbers on how evenly a {@link Balancer} spreads its calls, part of every {@link
 * BalancerSnapshot}.
 *
 * <p>The recent window: the balancer keeps the pick counters it saw at the start of the previous
 * window; "recent" covers everything since then, between one and two window lengths of calls, so
 * the numbers move smoothly instead of resetting to zero at each boundary. Only calls made with
 * {@code acquire()} are counted.
 *
 * <p>Immutable.
 *
 * @param window the configured window length
 * @param recentPicks calls acquired during the recent window, over all endpoints
 * @param picksMaxOverMean the busiest endpoint's recent picks over the mean per endpoint: 1.0 is a
 *     perfectly even spread, 2.0 means one endpoint got twice its share; 0 when there were no picks
 * @param inFlightMaxOverMean the same ratio for the calls in flight right now; 0 when none are
 * @param remappedShare for hashing pickers, the share of keys whose endpoint changed at the last
 *     change of the available endpoints (membership or health), measured on a fixed sample of 2,048
 *     keys; several changes between two snapshots are measured as one. Empty for other pickers and
 *     before the first change
 */
public record BalanceQuality(
    Duration window,
    long recentPicks,
    double picksMaxOverMean,
    double inFlightMaxOverMean,
    OptionalDouble remappedShare) {

  /**
   * Checks the components.
   *
   * @param window the configured window length
   * @param recentPicks calls acquired during the recent window
   * @param picksMaxOverMean the busiest endpoint's recent picks over the mean, or 0
   * @param inFlightMaxOverMean the same ratio for the calls in flight, or 0
   * @param remappedShare the share of keys the last change remapped, for hashing pickers
   */
  public BalanceQuality {
    Objects.requireNonNull(window, "window");
    Objects.requireNonNull(remappedShare, "remappedShare");
  }
}
