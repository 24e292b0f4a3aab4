/**
 * Retries across a balancer's endpoints, shared by every lb4j integration: a {@link
 * io.github.lb4j.retry.RetryPolicy} (attempt limit and budget), a {@link
 * io.github.lb4j.retry.RetryBudget} (a token bucket capping retries at a share of the requests) and
 * the per-call {@link io.github.lb4j.retry.Attempts}, which acquires each attempt's lease on an
 * endpoint the call has not tried.
 */
package io.github.lb4j.retry;
