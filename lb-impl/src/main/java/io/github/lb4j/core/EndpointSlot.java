package io.github.lb4j.core;

import io.github.lb4j.Candidate;
import io.github.lb4j.Endpoint;
import io.github.lb4j.EndpointState;
import io.github.lb4j.HealthState;
import io.github.lb4j.LoadReport;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The state a balancer keeps for one member endpoint, reused by every picker rebuild so that a
 * membership change never resets counters, health or latency.
 *
 * <p><b>The call path.</b> One word holds both the in-flight count (low {@value #IN_FLIGHT_BITS}
 * bits) and the number of calls that ended (the rest): acquiring adds 1, closing adds {@code 2^24 -
 * 1}, so a call costs one atomic add at each end, and picks, successes and cancellations are
 * derived when a snapshot reads them: picks = ended + in flight, successes = ended - failures -
 * cancelled. Failures are counted when reported; calls closed without a report (cancelled) when
 * closed. When the ended count reaches {@code 2^39} it is moved to {@link #spilledEnded} (once per
 * 550 billion calls).
 *
 * <p><b>Health.</b> The {@link Health} record is this endpoint's one source of health: the active
 * probe verdict, the ejection and its backoff. Its fields are written only by the balancer under
 * its lock, which derives {@link #health()} from them by one rule ({@link Health#state}) and
 * publishes the result in a volatile field for everyone else.
 *
 * <p>Threading: counters are atomic and updated by callers' threads; {@link #endpoint}, {@link
 * #health} and the warm-up factor are written only by the balancer's writer and read anywhere.
 */
final class EndpointSlot extends SlotPaddingAfter implements Candidate {
  static final int IN_FLIGHT_BITS = 24;
  private static final long IN_FLIGHT_MASK = (1L << IN_FLIGHT_BITS) - 1;
  private static final long ONE_ENDED = 1L << IN_FLIGHT_BITS;
  private static final long SPILL = 1L << 39;
  private static final VarHandle LOAD;

  static {
    try {
      LOAD = MethodHandles.lookup().findVarHandle(SlotLoad.class, "load", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** {@link #warmUpStart} of an endpoint that is not warming up. */
  static final long NOT_WARMING = Long.MIN_VALUE;

  private final DefaultBalancer balancer;
  private final Totals totals;
  // Whether calls are timed; the latency average is this object's PeakEwma part.
  private final boolean timed;

  private volatile Endpoint endpoint;
  private volatile HealthState health = HealthState.HEALTHY;
  private final AtomicLong spilledEnded = new AtomicLong();
  private final LongAdder failures = new LongAdder();
  private final LongAdder cancelled = new LongAdder();
  // Load report headers that could not be read; counted, never thrown.
  private final LongAdder malformedLoadReports = new LongAdder();
  // Consecutive failed calls; written on success only when it is not zero already.
  private volatile int consecutiveFailures;

  /** Written by the balancer's writer under its lock. */
  final Health record = new Health();

  // Warm-up: written under the balancer's lock; pickers read the factor when they are built.
  private long warmUpStart = NOT_WARMING;
  private volatile double warmUpFactor = 1;

  /**
   * @param totals the balancer-wide in-flight total to keep, or {@code null} when no picker reads
   *     it
   * @param timed whether calls are timed (something consumes latency)
   * @param decayNanos the latency average's time constant
   * @param now the clock when the endpoint joins
   */
  EndpointSlot(
      DefaultBalancer balancer,
      Endpoint endpoint,
      Totals totals,
      boolean timed,
      double decayNanos,
      long now) {
    super(decayNanos, now);
    this.balancer = balancer;
    this.endpoint = endpoint;
    this.totals = totals;
    this.timed = timed;
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
  public double effectiveWeight() {
    return endpoint.weight() * warmUpFactor;
  }

  @Override
  public int inFlight() {
    return (int) (load & IN_FLIGHT_MASK);
  }

  @Override
  public double latencyEwmaNanos(long nowNanos) {
    return timed ? value(nowNanos) : 0;
  }

  HealthState health() {
    return health;
  }

  void setEndpoint(Endpoint endpoint) {
    this.endpoint = endpoint;
  }

  /** Publishes the state derived from {@link #record}; under the balancer's lock. */
  void setHealth(HealthState health) {
    this.health = health;
  }

  // ---- the call path

  /**
   * Counts one more call in flight, unconditionally. The balancer-wide total, when kept, is raised
   * first and lowered last, so that it never reads below the sum of the slots: a bounded picker
   * that reads it while another thread is between the two steps computes a cap too high, never one
   * too low that would leave every endpoint full.
   */
  void acquire() {
    if (totals != null) {
      totals.add(1);
    }
    long previous = (long) LOAD.getAndAdd(this, 1L);
    if ((previous & IN_FLIGHT_MASK) == IN_FLIGHT_MASK) {
      LOAD.getAndAdd(this, -1L);
      if (totals != null) {
        totals.add(-1);
      }
      throw tooMany();
    }
  }

  @Override
  public boolean tryReserve(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit: " + limit + " (expected: >= 1)");
    }
    if (totals != null) {
      totals.add(1);
    }
    long bound = Math.min(limit, IN_FLIGHT_MASK);
    for (long current = load; (current & IN_FLIGHT_MASK) < bound; current = load) {
      if (LOAD.compareAndSet(this, current, current + 1)) {
        return true;
      }
    }
    if (totals != null) {
      totals.add(-1);
    }
    return false;
  }

  private IllegalStateException tooMany() {
    return new IllegalStateException(
        "endpoint " + endpoint.id() + ": " + IN_FLIGHT_MASK + " calls in flight (expected: fewer)");
  }

  /** Ends a call: one atomic add; {@code reported} is false for a call closed without a report. */
  void release(boolean reported) {
    long previous = (long) LOAD.getAndAdd(this, ONE_ENDED - 1);
    if (totals != null) {
      totals.add(-1); // after the slot: see acquire()
    }
    if (!reported) {
      cancelled.increment();
    }
    if (previous + ONE_ENDED - 1 < 0) {
      spill();
    }
  }

  private void spill() {
    for (long current = load; current < 0; current = load) {
      if (LOAD.compareAndSet(this, current, current & Long.MAX_VALUE)) {
        spilledEnded.addAndGet(SPILL);
        return;
      }
    }
  }

  /** {@link #startNanos()} of a call that is not timed. */
  static final long UNTIMED = Long.MIN_VALUE;

  /**
   * The clock reading a lease starts from, or {@link #UNTIMED}. When calls are timed, one call in
   * {@code sampling} per endpoint is: the one acquired when this endpoint's ended-call count is a
   * multiple of it (read from the word the acquire just wrote, so deciding costs no atomic and no
   * random draw, and an endpoint's first call is always timed). A call is also timed whenever the
   * endpoint's last sample is older than the balancer's staleness bound, so that an endpoint used
   * rarely (one whose average decayed while others served the traffic) is measured on its next call
   * rather than on its next sampled one.
   */
  long startNanos() {
    if (!timed) {
      return UNTIMED;
    }
    if (((load >>> IN_FLIGHT_BITS) & balancer.latencySamplingMask()) != 0
        && balancer.recentNanos() - stamp() < balancer.staleSampleNanos()) {
      return UNTIMED;
    }
    return balancer.now();
  }

  /** A success reported now, for a call started at {@code startNanos}. */
  void recordSuccess(long startNanos) {
    if (consecutiveFailures != 0) {
      consecutiveFailures = 0;
    }
    if (startNanos != UNTIMED) {
      long now = balancer.now();
      observe(now - startNanos, now);
    }
  }

  /**
   * A failure reported now, for a call started at {@code startNanos}. Its latency is charged as at
   * least the balancer's failure penalty, so that failing fast never looks fast (Finagle); an
   * untimed failure is charged the penalty, as of the balancer's recent time. The balancer hears of
   * it for outlier detection.
   */
  void recordFailure(long startNanos, Throwable cause) {
    failures.increment();
    if (timed) {
      long penalty = balancer.failurePenaltyNanos();
      if (startNanos == UNTIMED) {
        observe(penalty, balancer.recentNanos());
      } else {
        long now = balancer.now();
        observe(Math.max(now - startNanos, penalty), now);
      }
    }
    int streak = consecutiveFailures + 1; // racing failures may count one less: a streak, not a sum
    consecutiveFailures = streak;
    balancer.onFailure(this, streak, cause);
  }

  /** Starts a new streak; after an ejection. */
  void resetConsecutiveFailures() {
    consecutiveFailures = 0;
  }

  // ---- load reports

  @Override
  public LoadReport loadReport() {
    return loadReport;
  }

  /** Keeps {@code report} as this endpoint's latest. */
  void reportLoad(LoadReport report) {
    loadReport = report;
  }

  /**
   * Reads a {@value LoadReport#HEADER} header from this endpoint and keeps the report; a malformed
   * one is counted and ignored, never thrown. Returns whether a report was kept.
   */
  boolean reportLoadHeader(String headerValue) {
    if (headerValue == null) {
      return false;
    }
    LoadReport report = LoadReport.tryParse(headerValue);
    if (report == null) {
      malformedLoadReports.increment();
      return false;
    }
    reportLoad(report);
    return true;
  }

  // ---- outcomes, for outlier detection's statistics

  /**
   * Calls that ended with a reported success since the endpoint joined (ended calls minus failures
   * and cancellations; a failure reported on a call not closed yet makes it one lower until then).
   */
  long successes() {
    return successes(ended(load), failures.sum());
  }

  /** Calls ended since this endpoint joined, given a reading of the load word. */
  private long ended(long word) {
    return spilledEnded.get() + (word >>> IN_FLIGHT_BITS);
  }

  /** The successes among {@code ended} calls: those neither failed nor cancelled. */
  private long successes(long ended, long failed) {
    return Math.max(0, ended - failed - cancelled.sum());
  }

  /** Calls reported failed since the endpoint joined. */
  long failures() {
    return failures.sum();
  }

  // ---- warm-up

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

  /** The share of its weight this endpoint gets while warming up, in {@code (0, 1]}. */
  double warmUpFactor() {
    return warmUpFactor;
  }

  // ---- reading

  /** Calls acquired on this endpoint since it joined. */
  long picks() {
    long word = load;
    return ended(word) + (word & IN_FLIGHT_MASK);
  }

  EndpointState state(double recentShare, long now) {
    long word = load;
    long ended = ended(word);
    long failed = failures.sum();
    long successes = successes(ended, failed);
    int inFlight = (int) (word & IN_FLIGHT_MASK);
    return new EndpointState(
        endpoint,
        health,
        inFlight,
        successes,
        failed,
        record.ejections,
        latencyEwmaNanos(now),
        ended + inFlight,
        recentShare,
        loadReport,
        malformedLoadReports.sum());
  }

  @Override
  public String toString() {
    return endpoint.id();
  }

  /**
   * One endpoint's health facts, and the one rule that turns them into a {@link HealthState}. All
   * fields are guarded by the balancer's lock.
   */
  static final class Health {
    /** The active checker's verdict; endpoints join healthy. */
    boolean probesFailing;

    /** After an ejection ended with active checks on: out until a probe passes. */
    boolean awaitingProbe;

    /** Taken out by outlier detection until {@link #ejectedUntil} (ticker nanos). */
    boolean ejected;

    long ejectedUntil;

    /** Ejections in a row without a long enough spell in service; grows the ejection time. */
    int ejectionStreak;

    /** When the last ejection ended. */
    long restoredAt;

    /** Ejections since the endpoint joined; read by snapshots. */
    volatile long ejections;

    /**
     * The rule: ejected endpoints are {@code EJECTED} whatever the probes say; otherwise an
     * endpoint whose probes fail, or that waits for its first passing probe after an ejection, is
     * {@code UNHEALTHY}; otherwise {@code HEALTHY}.
     */
    HealthState state() {
      if (ejected) {
        return HealthState.EJECTED;
      }
      return probesFailing || awaitingProbe ? HealthState.UNHEALTHY : HealthState.HEALTHY;
    }

    /** A copy for undoing a failed change. */
    Health copy() {
      Health h = new Health();
      h.restore(this);
      return h;
    }

    void restore(Health from) {
      probesFailing = from.probesFailing;
      awaitingProbe = from.awaitingProbe;
      ejected = from.ejected;
      ejectedUntil = from.ejectedUntil;
      ejectionStreak = from.ejectionStreak;
      restoredAt = from.restoredAt;
      ejections = from.ejections;
    }
  }
}

/**
 * Padding before an endpoint's hot fields: its latency average ({@link PeakEwma}, the superclass of
 * {@link SlotLoad}) and its load word. Calls on two endpoints whose slots were allocated side by
 * side then do not contend for one cache line (false sharing: it doubled the two-thread cost of a
 * lease in some runs), and a latency-aware pick finds a candidate's load and average together.
 * Field layout follows the class hierarchy, which keeps the padding in place.
 */
abstract class SlotPaddingBefore {
  long p00, p01, p02, p03, p04, p05, p06, p07;
  long p08, p09, p0a, p0b, p0c, p0d, p0e, p0f;
}

/** The endpoint's load word: in flight (low bits) and ended calls (high bits); see EndpointSlot. */
abstract class SlotLoad extends PeakEwma {
  volatile long load;
  // The last load report: on the line every call writes anyway, so reporting with each answer
  // dirties no line that picks read.
  volatile LoadReport loadReport;

  SlotLoad(double decayNanos, long now) {
    super(decayNanos, now);
  }
}

/** Padding after {@link SlotLoad#load}; see {@link SlotPaddingBefore}. */
abstract class SlotPaddingAfter extends SlotLoad {
  long p10, p11, p12, p13, p14, p15, p16, p17;
  long p18, p19, p1a, p1b, p1c, p1d, p1e, p1f;

  SlotPaddingAfter(double decayNanos, long now) {
    super(decayNanos, now);
  }
}
