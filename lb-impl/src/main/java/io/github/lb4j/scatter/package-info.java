/**
 * Scatter-gather over a {@link io.github.lb4j.Balancer}: runs a batch of independent tasks across
 * the balancer's endpoints with bounded concurrency, retries on other endpoints, hedging of
 * stragglers and progress reports, and gathers the results in task order.
 *
 * <p>Start with {@link io.github.lb4j.scatter.ScatterGather#builder}.
 */
package io.github.lb4j.scatter;
