package io.github.lb4j;

import java.util.Objects;

/**
 * One call in flight to a chosen endpoint, from {@link Balancer#acquire()} until {@link #close()}.
 *
 * <p>A lease counts as in flight for least-connection pickers and bounded-load hashing until it is
 * closed. Report how the call went with {@link #success()} or {@link #failure(Throwable)} before
 * closing; when the balancer times calls (a latency-aware picker, or timing turned on), the latency
 * is measured from the acquisition to that report with the balancer's clock, and a failure counts
 * as at least the balancer's failure penalty. Closing without a report releases the in-flight slot
 * and counts neither a success nor a failure (a cancelled call).
 *
 * <pre>{@code
 * try (Lease lease = balancer.acquire(key)) {
 *   Response r = send(lease.endpoint(), request);
 *   if (r.code() >= 500) lease.failure(); else lease.success();
 * }
 * }</pre>
 *
 * <p>Threading: a lease may be reported and closed from any thread (for example an asynchronous
 * callback), but it is meant for one call: only the first report counts and only the first {@code
 * close()} releases the slot, so a lease can never drive an in-flight count negative.
 */
public interface Lease extends AutoCloseable {

  /** {@return the endpoint this call goes to} */
  Endpoint endpoint();

  /** Reports that the call succeeded. Later reports on this lease are ignored. */
  void success();

  /** Reports that the call failed without a particular cause (for example a 5xx answer). */
  void failure();

  /**
   * Reports that the call failed. Later reports on this lease are ignored.
   *
   * @param cause what went wrong, for logs and outlier detection
   */
  void failure(Throwable cause);

  /**
   * Hands in the load the endpoint reported with its answer, for pickers that weigh endpoints by it
   * ({@code Pickers.reportedLoad()}); it replaces the endpoint's previous report. May be called
   * before or after the outcome and {@link #close()}. Costs one volatile write; the default (a
   * lease not made by a balancer) ignores it.
   *
   * @param report the load the endpoint reported with this call's answer; not {@code null}
   */
  default void reportLoad(LoadReport report) {
    Objects.requireNonNull(report, "report");
  }

  /**
   * Reads the endpoint's {@value LoadReport#HEADER} header and hands the report in ({@link
   * #reportLoad}). Never throws for what the peer sent: a missing ({@code null}) header is ignored,
   * and a malformed one is ignored and counted in the endpoint's {@link
   * EndpointState#malformedLoadReports()}, so that a peer that lies cannot fail the call.
   *
   * <pre>{@code
   * lease.reportLoadHeader(response.header(LoadReport.HEADER));
   * }</pre>
   *
   * @param headerValue the header's value, or {@code null} when the answer had none
   * @return whether a report was handed in
   */
  default boolean reportLoadHeader(String headerValue) {
    LoadReport report = LoadReport.tryParse(headerValue);
    if (report != null) {
      reportLoad(report);
    }
    return report != null;
  }

  /** Ends the call and releases its in-flight slot; idempotent. Never throws. */
  @Override
  void close();
}
