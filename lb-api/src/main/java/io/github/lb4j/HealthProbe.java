package io.github.lb4j;

import java.util.concurrent.CompletionStage;

/**
 * One active health check of one endpoint: the service-provider interface for probes.
 *
 * <p>lb4j ships an HTTP probe ({@code GET /health}, 2xx is healthy); implement this interface to
 * check with a TCP connect, a gRPC health call or anything else. A balancer's health checker calls
 * {@link #probe} once per endpoint per interval and applies its own timeout and thresholds to the
 * outcome.
 *
 * <p>Outcomes: a stage completing with {@code true} is a passing probe; {@code false}, an
 * exceptional completion, a {@code null} stage, an exception thrown by {@code probe} or no
 * completion within the timeout are failing probes. When the timeout elapses first the checker
 * cancels the stage if it is a {@link java.util.concurrent.Future}, so an implementation can stop
 * its work.
 *
 * <p>Threading: called from the checker's scheduler thread, at most one call in flight per
 * endpoint. It must not block: start the check and return a stage that completes later, on any
 * thread.
 */
@FunctionalInterface
public interface HealthProbe {

  /**
   * Starts checking {@code endpoint}.
   *
   * @param endpoint the endpoint to check
   * @return a stage that completes with whether the endpoint is healthy
   */
  CompletionStage<Boolean> probe(Endpoint endpoint);
}
