package io.github.lb4j;

import java.util.Objects;

/**
 * The live state of one endpoint at the moment a {@link BalancerSnapshot} was taken.
 *
 * <p>Immutable. Counters are cumulative since the endpoint joined the balancer and survive weight
 * or address changes of the same id.
 *
 * @param endpoint the endpoint
 * @param health whether it can be chosen
 * @param inFlight calls acquired and not yet closed
 * @param successes calls reported successful
 * @param failures calls reported failed
 * @param ejections times passive outlier detection took it out
 * @param latencyEwmaNanos peak-sensitive moving average of call latency in nanoseconds; 0 before
 *     the first timed call, and always 0 unless the balancer times calls (a latency-aware picker or
 *     {@code timeCalls(true)})
 * @param picks calls acquired on this endpoint ({@code Balancer.acquire}) since it joined; plain
 *     {@code choose()} is not counted, it tracks nothing
 * @param recentShare this endpoint's share, in {@code [0, 1]}, of the calls acquired by the
 *     balancer during the recent window (see {@link BalanceQuality}); 0 when there were none
 * @param loadReport the last load report the endpoint sent ({@link Lease#reportLoad}), or {@code
 *     null} when it sent none
 * @param malformedLoadReports load report headers from this endpoint that could not be read and
 *     were ignored ({@link Lease#reportLoadHeader})
 */
public record EndpointState(
    Endpoint endpoint,
    HealthState health,
    int inFlight,
    long successes,
    long failures,
    long ejections,
    double latencyEwmaNanos,
    long picks,
    double recentShare,
    LoadReport loadReport,
    long malformedLoadReports) {

  /**
   * Checks the components.
   *
   * @param endpoint the endpoint
   * @param health whether it can be chosen
   * @param inFlight calls acquired and not yet closed
   * @param successes calls reported successful
   * @param failures calls reported failed
   * @param ejections times outlier detection took it out
   * @param latencyEwmaNanos the latency average in nanoseconds, or 0
   * @param picks calls acquired on this endpoint since it joined
   * @param recentShare its share of the recent window's calls, in {@code [0, 1]}
   * @param loadReport the last load report the endpoint sent, or {@code null} when none
   * @param malformedLoadReports load report headers from it that could not be read, {@code >= 0}
   */
  public EndpointState {
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(health, "health");
    if (malformedLoadReports < 0) {
      throw new IllegalArgumentException(
          "malformedLoadReports: " + malformedLoadReports + " (expected: >= 0)");
    }
  }

  /**
   * A state without load reports: {@link #loadReport()} is {@code null} and {@link
   * #malformedLoadReports()} 0.
   *
   * @param endpoint the endpoint
   * @param health its health state
   * @param inFlight calls in flight
   * @param successes calls reported as successes
   * @param failures calls reported as failures
   * @param ejections times ejected
   * @param latencyEwmaNanos the latency average, nanoseconds
   * @param picks calls acquired
   * @param recentShare share of the recent picks
   */
  public EndpointState(
      Endpoint endpoint,
      HealthState health,
      int inFlight,
      long successes,
      long failures,
      long ejections,
      double latencyEwmaNanos,
      long picks,
      double recentShare) {
    this(
        endpoint,
        health,
        inFlight,
        successes,
        failures,
        ejections,
        latencyEwmaNanos,
        picks,
        recentShare,
        null,
        0);
  }

  /**
   * Calls that ended with a reported outcome: {@code successes + failures}.
   *
   * @return {@code successes + failures}
   */
  public long completed() {
    return successes + failures;
  }
}
