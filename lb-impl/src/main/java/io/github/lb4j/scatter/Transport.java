package io.github.lb4j.scatter;

import io.github.lb4j.Endpoint;
import io.github.lb4j.Lease;
import java.util.concurrent.CompletableFuture;

/**
 * Sends one attempt of a task to one endpoint, asynchronously.
 *
 * <p>The returned future completes with the task's result, or exceptionally when the attempt failed
 * (connection refused, timeout, a bad answer: whatever the transport decides is not a usable
 * result); a failed attempt is retried on another endpoint. When scatter-gather no longer needs an
 * attempt (another copy answered first, the attempt timed out, the batch was cancelled) it cancels
 * the future; a transport should then abort the underlying call.
 *
 * <p>Threading: {@link #send} is called from whichever thread drives the batch at that moment, one
 * call at a time per batch. It must not block: start the call and return a future. The future may
 * be completed from any thread, or already be complete.
 *
 * @param <T> the type of task input
 * @param <R> the type of result
 */
@FunctionalInterface
public interface Transport<T, R> {

  /**
   * Starts one attempt.
   *
   * @param endpoint where to send it, chosen by the balancer
   * @param input the task's input
   * @return a future of the result, never {@code null}
   */
  CompletableFuture<R> send(Endpoint endpoint, T input);

  /**
   * Starts one attempt on the lease's endpoint; scatter-gather calls this one. The default sends
   * with {@link #send(Endpoint, Object)}. A transport whose endpoints report their load with their
   * answers overrides it to hand the report in, as the HTTP integrations do: {@code
   * lease.reportLoadHeader(response.header(LoadReport.HEADER))}. The lease stays scatter-gather's,
   * which reports the attempt's outcome and closes it: the transport only hands in load reports.
   *
   * @param lease the attempt's lease, on the endpoint the balancer chose
   * @param input the task's input
   * @return a future of the result, never {@code null}
   */
  default CompletableFuture<R> send(Lease lease, T input) {
    return send(lease.endpoint(), input);
  }
}
