package io.github.lb4j;

/**
 * An endpoint as a {@link Picker} sees it: the endpoint plus the live numbers a strategy decides
 * with, and the one operation a strategy may perform on it, {@link #tryReserve}.
 *
 * <p>The balancer keeps one candidate per endpoint for as long as the endpoint stays a member, so
 * the numbers survive picker rebuilds. Every method is safe to call from any thread without locking
 * and allocates nothing; the numbers are read with volatile semantics and may be stale by the time
 * the caller uses them.
 */
public interface Candidate {

  /** {@return the endpoint} */
  Endpoint endpoint();

  /** {@return the configured weight, {@code > 0}; a shortcut for {@code endpoint().weight()}} */
  int weight();

  /**
   * The weight to decide with: the configured weight times the endpoint's warm-up share, in {@code
   * (0, weight()]}. Equal to {@link #weight()} unless the endpoint is warming up. Fixed for the
   * lifetime of the picker it was handed to: a picker may read it once when it is built.
   *
   * @return the effective weight, in {@code (0, weight()]}
   */
  double effectiveWeight();

  /**
   * Calls acquired on this endpoint and not yet closed, {@code >= 0}.
   *
   * @return the calls in flight on this endpoint
   */
  int inFlight();

  /**
   * The peak-sensitive moving average of this endpoint's call latency in nanoseconds, decayed to
   * {@code nowNanos}; zero before the first reported call, and always zero unless the picker
   * factory asked for latency ({@link PickerFactory#usesLatency()}). Take {@code nowNanos} once per
   * pick, from {@link PickerContext#recentNanos()} (no clock read) or {@link
   * PickerContext#ticker()}, and pass it to every candidate compared. A failed call counts as a
   * slow one (a penalty), so an endpoint that fails fast does not look fast.
   *
   * @param nowNanos the current {@link Ticker} reading
   * @return the decayed latency average in nanoseconds
   */
  double latencyEwmaNanos(long nowNanos);

  /**
   * Counts one more call in flight on this endpoint if fewer than {@code limit} are; the check and
   * the increment are one atomic step, so concurrent callers never push the count past {@code
   * limit}. Only for {@link ReservingPicker#reserve}: a candidate reserved there must be the one
   * returned, and the balancer releases it when the call's lease closes.
   *
   * @param limit the most calls allowed in flight, {@code >= 1}
   * @return whether the call was counted
   */
  boolean tryReserve(int limit);

  /**
   * The last load report this endpoint sent ({@link Lease#reportLoad}), or {@code null} when it has
   * sent none. Every report handed in is a new object, so a picker that remembers the one it saw
   * tells a new report from the old one by identity. The default returns {@code null}.
   *
   * @return the last report handed in, or {@code null} when none was
   */
  default LoadReport loadReport() {
    return null;
  }
}
