package io.github.lb4j.retry;

import io.github.lb4j.Ticker;
import java.util.Objects;

/**
 * Caps retries at a share of the requests plus a small reserve per second, so that retries cannot
 * multiply the load on endpoints that are already failing (Finagle's retry budget, as a token
 * bucket).
 *
 * <p>Every first attempt deposits {@code ratio} tokens, time deposits {@code minRetriesPerSecond}
 * tokens per second, and every retry withdraws one token; a retry is refused when less than one
 * token is left. The bucket holds at most ten seconds' worth of the reserve (at least one token)
 * and starts full. Over any span of time, retries therefore stay below {@code ratio} times the
 * requests, plus {@code minRetriesPerSecond} per second, plus the capacity: with the defaults (0.2
 * and 10) a total outage adds at most 20% of retries once the initial 100 tokens are spent, instead
 * of the 200% that three attempts per request would add.
 *
 * <pre>{@code
 * RetryBudget budget = RetryBudget.ofRatio(0.2).minRetriesPerSecond(10).build();
 * }</pre>
 *
 * <p>One budget is meant to be shared by every call of one client (or batch runner), so that it
 * sees their combined load; a {@link RetryPolicy} carries it to the {@link Attempts} of each call.
 * {@link #unlimited()} never refuses a retry (the attempt limit alone bounds them).
 *
 * <p>Tokens are counted in thousandths so that repeated deposits of 0.2 add up exactly. Time comes
 * from the injected {@link Ticker}. Thread safe: every operation is a short critical section.
 */
public final class RetryBudget {
  /** The share of requests that may be retried unless set: 0.2. */
  public static final double DEFAULT_RATIO = 0.2;

  /** The retries per second allowed whatever the request rate unless set: 10. */
  public static final int DEFAULT_MIN_RETRIES_PER_SECOND = 10;

  private static final RetryBudget UNLIMITED = new RetryBudget();

  private static final long MILLIS_PER_TOKEN = 1000;
  private static final long CAPACITY_SECONDS = 10;
  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private final long depositMillis;
  private final long reservePerSecond;
  private final long capacityMillis;
  private final Ticker ticker;
  private final boolean unlimited;

  // Guarded by this.
  private long balanceMillis;
  private long lastRefillNanos;

  RetryBudget(double ratio, int minRetriesPerSecond, Ticker ticker) {
    this.unlimited = false;
    this.depositMillis = Math.round(ratio * MILLIS_PER_TOKEN);
    this.reservePerSecond = minRetriesPerSecond;
    this.capacityMillis = Math.max(1, minRetriesPerSecond * CAPACITY_SECONDS) * MILLIS_PER_TOKEN;
    this.ticker = ticker;
    this.balanceMillis = capacityMillis;
    this.lastRefillNanos = ticker.read();
  }

  private RetryBudget() {
    this.unlimited = true;
    this.depositMillis = 0;
    this.reservePerSecond = 0;
    this.capacityMillis = Long.MAX_VALUE;
    this.ticker = () -> 0;
    this.balanceMillis = Long.MAX_VALUE;
  }

  /**
   * Starts a budget that lets {@code ratio} of the requests be retried, such as {@code 0.2} for
   * 20%; the reserve is {@value #DEFAULT_MIN_RETRIES_PER_SECOND} retries per second and the ticker
   * the system's unless set.
   *
   * @param ratio the retries each request earns, {@code >= 0} and finite
   * @return a builder; {@link Builder#build()} makes the budget
   * @throws IllegalArgumentException if {@code ratio} is negative, NaN or infinite
   */
  public static Builder ofRatio(double ratio) {
    if (!(ratio >= 0) || Double.isInfinite(ratio)) {
      throw new IllegalArgumentException("ratio: " + ratio + " (expected: >= 0 and finite)");
    }
    return new Builder(ratio);
  }

  /**
   * A new budget with the defaults: {@value #DEFAULT_RATIO} of the requests plus {@value
   * #DEFAULT_MIN_RETRIES_PER_SECOND} retries per second, on the system ticker.
   *
   * @return a new, full budget
   */
  public static RetryBudget defaults() {
    return ofRatio(DEFAULT_RATIO).build();
  }

  /**
   * The budget that never refuses a retry, for callers bounded by their attempt limit alone.
   *
   * @return the shared unlimited budget
   */
  public static RetryBudget unlimited() {
    return UNLIMITED;
  }

  /** Records a first attempt, which earns {@code ratio} of a retry. */
  public void recordRequest() {
    if (unlimited) {
      return;
    }
    deposit();
  }

  /**
   * Takes one retry from the budget.
   *
   * @return {@code true} if the retry may be made; {@code false}, changing nothing, if the budget
   *     is spent
   */
  public boolean tryRetry() {
    return unlimited || tryWithdraw();
  }

  /**
   * The retries currently available, rounded down; {@link Long#MAX_VALUE} when unlimited.
   *
   * @return how many retries the budget would pay for now
   */
  public long available() {
    return unlimited ? Long.MAX_VALUE : availableTokens();
  }

  private synchronized void deposit() {
    refill();
    balanceMillis = Math.min(capacityMillis, balanceMillis + depositMillis);
  }

  private synchronized boolean tryWithdraw() {
    refill();
    if (balanceMillis < MILLIS_PER_TOKEN) {
      return false;
    }
    balanceMillis -= MILLIS_PER_TOKEN;
    return true;
  }

  private synchronized long availableTokens() {
    refill();
    return balanceMillis / MILLIS_PER_TOKEN;
  }

  private void refill() {
    long now = ticker.read();
    long elapsed = now - lastRefillNanos;
    if (elapsed <= 0) {
      return;
    }
    if (reservePerSecond == 0 || balanceMillis >= capacityMillis) {
      lastRefillNanos = now;
      return;
    }
    // reservePerSecond tokens per second is reservePerSecond thousandths per millisecond.
    long nanosPerMilliToken = NANOS_PER_SECOND / (reservePerSecond * MILLIS_PER_TOKEN);
    long earned = elapsed / Math.max(1, nanosPerMilliToken);
    if (earned == 0) {
      return; // keep the fraction for the next refill
    }
    if (earned >= capacityMillis - balanceMillis) {
      balanceMillis = capacityMillis;
      lastRefillNanos = now;
    } else {
      balanceMillis += earned;
      lastRefillNanos += earned * Math.max(1, nanosPerMilliToken);
    }
  }

  @Override
  public synchronized String toString() {
    if (unlimited) {
      return "RetryBudget.unlimited()";
    }
    return "RetryBudget("
        + balanceMillis / (double) MILLIS_PER_TOKEN
        + " of "
        + capacityMillis / MILLIS_PER_TOKEN
        + " retries)";
  }

  /**
   * Configures a {@link RetryBudget}; started by {@link RetryBudget#ofRatio}. Not thread safe; each
   * {@link #build()} makes a new, full budget.
   */
  public static final class Builder {
    private final double ratio;
    private int minRetriesPerSecond = DEFAULT_MIN_RETRIES_PER_SECOND;
    private Ticker ticker = Ticker.system();

    private Builder(double ratio) {
      this.ratio = ratio;
    }

    /**
     * The retries per second allowed whatever the request rate, so that a quiet client can still
     * retry; the budget saves up ten seconds' worth (at least one retry). {@value
     * #DEFAULT_MIN_RETRIES_PER_SECOND} unless set.
     *
     * @param retries the reserve per second, {@code >= 0}
     * @return this builder
     * @throws IllegalArgumentException if {@code retries < 0}
     */
    public Builder minRetriesPerSecond(int retries) {
      if (retries < 0) {
        throw new IllegalArgumentException("minRetriesPerSecond: " + retries + " (expected: >= 0)");
      }
      this.minRetriesPerSecond = retries;
      return this;
    }

    /**
     * The time source of the reserve; {@link Ticker#system()} unless set.
     *
     * @param ticker the ticker, such as a fake clock in tests
     * @return this builder
     */
    public Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * Builds a new, full budget.
     *
     * @return the budget
     */
    public RetryBudget build() {
      return new RetryBudget(ratio, minRetriesPerSecond, ticker);
    }
  }
}
