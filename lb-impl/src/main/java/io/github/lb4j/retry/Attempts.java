package io.github.lb4j.retry;

import io.github.lb4j.Balancer;
import io.github.lb4j.Lease;
import io.github.lb4j.NoAvailableEndpointException;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The attempts of one call: "acquire, send, report, retry elsewhere within a budget", the loop
 * every lb4j integration runs. Started by {@link RetryPolicy#start}.
 *
 * <pre>{@code
 * Attempts attempts = policy.start(balancer, key);
 * Lease lease = attempts.first();
 * while (true) {
 *   Lease next;
 *   try {
 *     Response r = send(lease.endpoint(), request);
 *     Attempts.report(lease, r.code() >= 500);
 *     if (r.code() != 503 || (next = attempts.retry()) == null) return r;
 *   } catch (IOException e) {
 *     lease.failure(e);
 *     if ((next = attempts.retry()) == null) throw e;
 *   } finally {
 *     lease.close();
 *   }
 *   lease = next;
 * }
 * }</pre>
 *
 * <p>Each lease comes from {@link Balancer#acquire(String, Set)} with the call's key, excluding
 * every endpoint the call already tried, so hashing pickers send a retry where the key would go
 * without them. A retry is made only while attempts are left and the {@link RetryBudget} pays for
 * it. Reporting the outcome of an attempt and closing its lease stay with the caller, since only it
 * knows when the attempt ends (an HTTP response ends when its body is consumed); {@link #report} is
 * the one place a status turns into an outcome.
 *
 * <p>Threading: not thread safe. One call uses it from one thread at a time; handing it from one
 * thread to the next through a future (as an asynchronous client does) is enough.
 */
public final class Attempts {
  private static final Logger log = LoggerFactory.getLogger(Attempts.class);

  private final Balancer balancer;
  private final String key;
  private final RetryPolicy policy;
  private final Set<String> tried = new LinkedHashSet<>();
  private int made;

  Attempts(Balancer balancer, String key, RetryPolicy policy) {
    this.balancer = balancer;
    this.key = key;
    this.policy = policy;
  }

  /**
   * Acquires the lease of the first attempt.
   *
   * @return the lease; the caller reports the outcome and closes it
   * @throws NoAvailableEndpointException when the balancer cannot choose an endpoint
   * @throws IllegalStateException when the balancer is closed, or an attempt was already made
   */
  public Lease first() {
    if (made > 0) {
      throw new IllegalStateException("first(): " + made + " attempts made (expected: none)");
    }
    return next(Set.of(), true);
  }

  /**
   * Acquires the lease of a retry on an endpoint this call has not tried.
   *
   * @return the lease, or {@code null} when no attempt is left, no untried endpoint can be chosen
   *     (the balancer closed included), or the budget is spent
   * @throws IllegalStateException if no first attempt was made
   */
  public Lease retry() {
    if (made == 0) {
      throw new IllegalStateException("retry(): no attempt made (expected: first() before)");
    }
    try {
      return next(Set.of(), true);
    } catch (NoAvailableEndpointException | IllegalStateException e) {
      return null;
    }
  }

  /**
   * Like {@link #retry()}, logging at DEBUG whether the retry is made and why it was wanted.
   *
   * @param call what is retried, such as {@code "GET http://workers/tile"}
   * @param why what went wrong, such as {@code "status 503"}
   * @return the lease, or {@code null} as for {@link #retry()}
   */
  public Lease retry(String call, String why) {
    Lease next = retry();
    if (next == null) {
      log.debug("{}: not retrying after {}: {}", call, why, this);
    } else {
      log.debug("{}: retrying on {} after {}: {}", call, next.endpoint().id(), why, this);
    }
    return next;
  }

  /**
   * Acquires the lease of the next attempt, the first one or a retry, for callers that also keep
   * endpoints out for reasons of their own (full, or already running a copy of this call). A retry
   * withdraws from the budget.
   *
   * @param alsoExcluded ids of endpoints not to choose besides the tried ones (when {@code
   *     untriedOnly}); may be empty
   * @param untriedOnly whether the endpoints this call already tried are excluded
   * @return the lease, or {@code null} when no attempt is left or the budget is spent
   * @throws NoAvailableEndpointException when the balancer cannot choose an endpoint
   * @throws IllegalStateException when the balancer is closed
   */
  public Lease next(Set<String> alsoExcluded, boolean untriedOnly) {
    if (made >= policy.maxAttempts()) {
      return null;
    }
    Set<String> exclude = alsoExcluded;
    if (untriedOnly && !tried.isEmpty()) {
      exclude = new HashSet<>(alsoExcluded);
      exclude.addAll(tried);
    }
    Lease lease = balancer.acquire(key, exclude);
    if (made > 0 && !policy.budget().tryRetry()) {
      lease.close();
      return null;
    }
    made++;
    tried.add(lease.endpoint().id());
    return lease;
  }

  /**
   * Counts an attempt that failed before it could get a lease (the balancer had no endpoint), so
   * that it uses up one of the call's attempts.
   */
  public void countFailedStart() {
    made++;
  }

  /**
   * Whether the attempt limit would allow another attempt (the budget is asked only when one is
   * made).
   *
   * @return {@code true} while fewer than {@link RetryPolicy#maxAttempts()} attempts were made
   */
  public boolean attemptsLeft() {
    return made < policy.maxAttempts();
  }

  /**
   * The attempts made so far, failed starts included.
   *
   * @return the count
   */
  public int made() {
    return made;
  }

  /**
   * The ids of the endpoints tried so far, in order.
   *
   * @return a read-only view
   */
  public Set<String> tried() {
    return Collections.unmodifiableSet(tried);
  }

  /**
   * Reports an answered attempt: a failure if its answer counts as one (a 5xx status, say), else a
   * success. Does not close the lease. The one place an integration hands an answer's outcome to
   * the balancer, so that whatever else an answer carries for the balancer is read here too.
   *
   * @param lease the attempt's lease
   * @param failed whether the answer counts as a failure of the endpoint
   */
  public static void report(Lease lease, boolean failed) {
    if (failed) {
      lease.failure();
    } else {
      lease.success();
    }
  }

  @Override
  public String toString() {
    return "Attempts(" + made + " of " + policy.maxAttempts() + ", tried " + tried + ")";
  }
}
