package io.github.lb4j.core;

import io.github.lb4j.Candidate;
import io.github.lb4j.Endpoint;
import io.github.lb4j.EndpointState;
import io.github.lb4j.HealthState;
import io.github.lb4j.Ticker;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The state a balancer keeps for one member endpoint, reused by every picker rebuild so that a
 * membership change never resets counters, health or latency.
 *
 * <p>Threading: counters are atomic and updated by callers' threads; {@link #endpoint} and {@link
 * #health} are written only by the balancer's writer and read anywhere (volatile). The latency
 * average is updated under this object's monitor (on the reporting path, never on the pick path)
 * and read without it.
 */
final class EndpointSlot implements Candidate {
  private final Ticker ticker;
  private final double decayNanos;
  private final AtomicInteger balancerInFlight;

  private volatile Endpoint endpoint;
  private volatile HealthState health = HealthState.HEALTHY;

  private final AtomicInteger inFlight = new AtomicInteger();
  private final LongAdder picks = new LongAdder();
  private final LongAdder successes = new LongAdder();
  private final LongAdder failures = new LongAdder();
  final AtomicInteger consecutiveFailures = new AtomicInteger();
  volatile long ejections;

  /** {@link #warmUpStart} of an endpoint that is not warming up. */
  static final long NOT_WARMING = Long.MIN_VALUE;
  // Warm-up: written and read by the balancer's writer under its lock; pickers read the factor when
  // they are built, never when they pick.
  private long warmUpStart = NOT_WARMING;
  private double warmUpFactor = 1;

  // Peak EWMA (Finagle): a sample above the average replaces it at once, lower samples pull it down
  // with a time-based weight, and between samples it decays towards zero so that an idle endpoint
  // looks attractive again.
  private volatile double ewmaNanos;
  private volatile long ewmaStamp;

  EndpointSlot(Endpoint endpoint, Ticker ticker, double decayNanos, AtomicInteger balancerInFlight) {
    this.endpoint = endpoint;
    this.ticker = ticker;
    this.decayNanos = decayNanos;
    this.balancerInFlight = balancerInFlight;
    this.ewmaStamp = ticker.read();
  }

  @Override
  public Endpoint endpoint() {
    return endpoint;
  }

  @Override
  public int weight() {
    return endpoint.weight();
  }

  @Override
  public int inFlight() {
    return inFlight.get();
  }

  @Override
  public double latencyEwmaNanos() {
    double value = ewmaNanos;
    if (value == 0) {
      return 0;
    }
    long elapsed = ticker.read() - ewmaStamp;
    return elapsed <= 0 ? value : value * Math.exp(-elapsed / decayNanos);
  }

  /** The in-flight total of the balancer this slot belongs to. */
  int balancerInFlight() {
    return balancerInFlight.get();
  }

  HealthState health() {
    return health;
  }

  void setEndpoint(Endpoint endpoint) {
    this.endpoint = endpoint;
  }

  void setHealth(HealthState health) {
    this.health = health;
  }

  /** Starts warming up at {@code now} (ticker nanos); the balancer sets the factor next. */
  void startWarmUp(long now) {
    warmUpStart = now;
  }

  /** Puts back a warm-up start read with {@link #warmUpStart()}, after a failed change. */
  void restoreWarmUp(long start) {
    if (start == NOT_WARMING) {
      finishWarmUp();
    } else {
      warmUpStart = start;
    }
  }

  void finishWarmUp() {
    warmUpStart = NOT_WARMING;
    warmUpFactor = 1;
  }

  /** When warm-up started, or {@link #NOT_WARMING}. */
  long warmUpStart() {
    return warmUpStart;
  }

  void setWarmUpFactor(double factor) {
    warmUpFactor = factor;
  }

  /**
   * The share of its weight this endpoint gets while warming up, in {@code (0, 1]}; {@code 1} when
   * it is not warming up. Read by picker factories when they build.
   */
  double warmUpFactor() {
    return warmUpFactor;
  }

  /** Counts one more call in flight, unconditionally. */
  void acquire() {
    inFlight.incrementAndGet();
    balancerInFlight.incrementAndGet();
  }

  /**
   * Counts one more call in flight if fewer than {@code limit} are; the check and the increment are
   * one atomic step, so concurrent callers can never push the count past {@code limit}.
   */
  boolean tryAcquire(int limit) {
    AtomicInteger counter = inFlight;
    for (int current = counter.get(); current < limit; current = counter.get()) {
      if (counter.compareAndSet(current, current + 1)) {
        balancerInFlight.incrementAndGet();
        return true;
      }
    }
    return false;
  }

  void release() {
    inFlight.decrementAndGet();
    balancerInFlight.decrementAndGet();
  }

  /** Records a success that ended at {@code now} after {@code latencyNanos}. */
  void recordSuccess(long latencyNanos, long now) {
    successes.increment();
    consecutiveFailures.set(0);
    observeLatency(latencyNanos, now);
  }

  /** Records a failure; returns the number of consecutive failures including this one. */
  int recordFailure(long latencyNanos, long now) {
    failures.increment();
    observeLatency(latencyNanos, now);
    return consecutiveFailures.incrementAndGet();
  }

  // `now` comes from the caller, which read the clock once for the latency too.
  private synchronized void observeLatency(long latencyNanos, long now) {
    double sample = Math.max(0, latencyNanos);
    double current = ewmaNanos;
    if (current == 0 || sample > current) {
      ewmaNanos = sample;
    } else {
      double w = Math.exp(-Math.max(0, now - ewmaStamp) / decayNanos);
      ewmaNanos = current * w + sample * (1 - w);
    }
    ewmaStamp = now;
  }

  /** Counts a call acquired on this endpoint, for balance metrics. */
  void countPick() {
    picks.increment();
  }

  long picks() {
    return picks.sum();
  }

  EndpointState state(double recentShare) {
    return new EndpointState(
        endpoint,
        health,
        inFlight.get(),
        successes.sum(),
        failures.sum(),
        ejections,
        latencyEwmaNanos(),
        picks.sum(),
        recentShare);
  }

  @Override
  public String toString() {
    return endpoint.id();
  }
}
