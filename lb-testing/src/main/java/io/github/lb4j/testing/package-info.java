/**
 * Test support for code that uses lb4j. {@link io.github.lb4j.testing.FakeClock} is both the {@link
 * io.github.lb4j.Ticker} and the {@link java.util.concurrent.ScheduledExecutorService} of a
 * balancer, a discovery source or a scatter-gather under test, so health checks, ejections, warm-up
 * and refreshes run when the test moves time, and no test sleeps.
 *
 * <p>Use it in test scope only; nothing in lb4j's main code depends on it.
 */
package io.github.lb4j.testing;
