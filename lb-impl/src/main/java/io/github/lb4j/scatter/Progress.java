package io.github.lb4j.scatter;

import io.github.lb4j.Endpoint;
import java.util.Map;
import java.util.Objects;

/**
 * How far a scatter-gather batch has got, reported to the progress listener after each task that
 * completes or fails for good. The report in which {@link #isFinished()} is true is the last one
 * and holds the batch's final statistics.
 *
 * <p>Immutable.
 *
 * @param completed tasks that have a result
 * @param failed tasks that failed after all their attempts
 * @param total tasks in the batch
 * @param retries attempts sent because an earlier attempt of the same task failed
 * @param hedges extra copies sent because an attempt was a straggler
 * @param endpoints per endpoint id, what happened there, in order of first use
 */
public record Progress(
    int completed,
    int failed,
    int total,
    int retries,
    int hedges,
    Map<String, EndpointProgress> endpoints) {

  /**
   * Checks and copies the components.
   *
   * @param completed tasks that have a result
   * @param failed tasks that failed after all their attempts
   * @param total tasks in the batch
   * @param retries attempts sent because an earlier attempt failed
   * @param hedges extra copies sent for stragglers
   * @param endpoints per endpoint id, what happened there
   */
  public Progress {
    Objects.requireNonNull(endpoints, "endpoints");
    endpoints = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(endpoints));
  }

  /**
   * Tasks that are over, with a result or failed: {@code completed + failed}.
   *
   * @return {@code completed + failed}
   */
  public int done() {
    return completed + failed;
  }

  /**
   * Whether every task is over.
   *
   * @return whether every task is over
   */
  public boolean isFinished() {
    return done() == total;
  }

  /**
   * What one endpoint did within a batch.
   *
   * @param endpoint the endpoint
   * @param completed tasks whose result came from this endpoint
   * @param attempts attempts sent to it, including retries, hedges and cancelled ones
   * @param failures attempts that failed there (including timeouts)
   * @param latencyNanosTotal the sum of the latencies of its successful attempts
   */
  public record EndpointProgress(
      Endpoint endpoint, int completed, int attempts, int failures, long latencyNanosTotal) {

    /**
     * Checks the components.
     *
     * @param endpoint the endpoint
     * @param completed tasks whose result came from this endpoint
     * @param attempts attempts sent to it
     * @param failures attempts that failed there
     * @param latencyNanosTotal the sum of the latencies of its successful attempts
     */
    public EndpointProgress {
      Objects.requireNonNull(endpoint, "endpoint");
    }

    /**
     * The mean latency of its successful attempts in nanoseconds, 0 when there were none.
     *
     * @return the mean latency in nanoseconds, or 0
     */
    public long meanLatencyNanos() {
      return completed == 0 ? 0 : latencyNanosTotal / completed;
    }
  }
}
