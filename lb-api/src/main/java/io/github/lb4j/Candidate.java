package io.github.lb4j;

/**
 * An endpoint as a {@link Picker} sees it: the endpoint plus the live numbers a strategy decides
 * with.
 *
 * <p>The balancer keeps one candidate per endpoint for as long as the endpoint stays a member, so
 * the numbers survive picker rebuilds. Every method is safe to call from any thread without locking;
 * the numbers are read with volatile semantics and may be stale by the time the caller uses them.
 */
public interface Candidate {

  /** The endpoint. */
  Endpoint endpoint();

  /** The configured weight, {@code > 0}; a shortcut for {@code endpoint().weight()}. */
  int weight();

  /** Calls acquired on this endpoint and not yet closed, {@code >= 0}. */
  int inFlight();

  /**
   * The peak-sensitive moving average of observed call latency in nanoseconds, decayed to now; zero
   * before the first reported call.
   */
  double latencyEwmaNanos();
}
