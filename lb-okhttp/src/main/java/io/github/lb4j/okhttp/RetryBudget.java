package io.github.lb4j.okhttp;

import io.github.lb4j.Ticker;

/**
 * Caps retries at a share of the requests plus a small reserve per second, so that retries cannot
 * multiply the load on endpoints that are already failing (Finagle's retry budget, as a token
 * bucket).
 *
 * <p>Every first attempt deposits {@code ratio} tokens, time deposits {@code minRetriesPerSecond}
 * tokens per second, and every retry withdraws one token; a retry is refused when less than one
 * token is left. The bucket holds at most ten seconds' worth of the reserve (at least one token) and
 * starts full. Over any span of time, retries therefore stay below {@code ratio} times the requests,
 * plus {@code minRetriesPerSecond} per second, plus the capacity: with the defaults (0.2 and 10) a
 * total outage adds at most 20% of retries once the initial 100 tokens are spent, instead of the 200%
 * that three attempts per request would add.
 *
 * <p>Tokens are counted in thousandths so that repeated deposits of 0.2 add up exactly. Time comes
 * from the injected {@link Ticker}. Thread safe: every operation is a short critical section.
 */
final class RetryBudget {
  static final double DEFAULT_RATIO = 0.2;
  static final int DEFAULT_MIN_RETRIES_PER_SECOND = 10;

  private static final long MILLIS_PER_TOKEN = 1000;
  private static final long CAPACITY_SECONDS = 10;
  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private final long depositMillis;
  private final long reservePerSecond;
  private final long capacityMillis;
  private final Ticker ticker;

  // Guarded by this.
  private long balanceMillis;
  private long lastRefillNanos;

  RetryBudget(double ratio, int minRetriesPerSecond, Ticker ticker) {
    this.depositMillis = Math.round(ratio * MILLIS_PER_TOKEN);
    this.reservePerSecond = minRetriesPerSecond;
    this.capacityMillis = Math.max(1, minRetriesPerSecond * CAPACITY_SECONDS) * MILLIS_PER_TOKEN;
    this.ticker = ticker;
    this.balanceMillis = capacityMillis;
    this.lastRefillNanos = ticker.read();
  }

  /** Records a first attempt, which earns {@code ratio} of a retry. */
  synchronized void deposit() {
    refill();
    balanceMillis = Math.min(capacityMillis, balanceMillis + depositMillis);
  }

  /** Takes one retry from the budget; returns {@code false}, changing nothing, if none is left. */
  synchronized boolean tryWithdraw() {
    refill();
    if (balanceMillis < MILLIS_PER_TOKEN) {
      return false;
    }
    balanceMillis -= MILLIS_PER_TOKEN;
    return true;
  }

  /** The retries currently available, rounded down. */
  synchronized long available() {
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
    return "RetryBudget(" + balanceMillis / (double) MILLIS_PER_TOKEN + " of "
        + capacityMillis / MILLIS_PER_TOKEN + " retries)";
  }
}
