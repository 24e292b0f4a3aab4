/**
 * The JDK {@code HttpClient} integration: {@link io.github.lb4j.jdkhttp.LoadBalancedHttpClient}
 * sends requests for a logical host (such as {@code http://workers/}) to the endpoints a {@link
 * io.github.lb4j.Balancer} chooses, holds each endpoint's lease until the response body is
 * consumed, reports outcomes, retries on another endpoint within a retry budget, and takes
 * per-request affinity keys for consistent hashing.
 *
 * <p>Start with {@link io.github.lb4j.jdkhttp.LoadBalancedHttpClient#builder}. A balancer that
 * cannot choose fails the call with {@link io.github.lb4j.NoAvailableEndpointIOException}.
 */
package io.github.lb4j.jdkhttp;
