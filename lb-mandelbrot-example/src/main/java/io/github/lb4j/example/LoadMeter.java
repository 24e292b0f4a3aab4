package io.github.lb4j.example;

import io.github.lb4j.LoadReport;
import io.github.lb4j.Ticker;

/**
 * What a worker reports about its own load, in the {@value LoadReport#HEADER} header of every tile
 * and health answer: tiles per second ({@code rps_fractional}), how busy its compute threads were
 * ({@code application_utilization}: the share of their time spent on tiles, a spin-slowed tile's
 * extra time included) and the CPU they used ({@code cpu_utilization}), over the last one to two
 * seconds; and, as named metrics, the tiles it holds ({@code queue}: waiting or being computed) and
 * an upper bound of the iterations they still need ({@code pending_iterations}: width × height ×
 * max-iter of each).
 *
 * <p>The rates come from two windows of {@value #WINDOW_MS} ms: the current one and the one before,
 * so a report always covers at least one full window once the worker has run that long, and old
 * work stops counting after two windows. With the reported-load picker, a worker's weight is its
 * rate over its utilization: the tiles per second it would serve fully busy.
 *
 * <p>Thread safe: the window counters are guarded by this object's lock, taken once per finished
 * tile and once per report; the pending counts are atomic elsewhere and passed in.
 */
final class LoadMeter {
  /** The length of one window of the rates. */
  static final long WINDOW_MS = 1000;

  /** The named metric of the tiles a worker holds. */
  static final String QUEUE = "queue";

  /** The named metric of the iterations, at most, the tiles a worker holds still need. */
  static final String PENDING_ITERATIONS = "pending_iterations";

  private static final long WINDOW_NANOS = WINDOW_MS * 1_000_000;

  private final Ticker ticker;
  private final int threads;

  // Guarded by this: the current window's start and sums, and the previous window's sums.
  private long windowStart;
  private long tiles;
  private long busyNanos;
  private long cpuNanos;
  private long previousTiles;
  private long previousBusyNanos;
  private long previousCpuNanos;
  private boolean hasPrevious;

  LoadMeter(Ticker ticker, int threads) {
    this.ticker = ticker;
    this.threads = threads;
    this.windowStart = ticker.read();
  }

  /** One tile done: how long a compute thread was busy with it and the CPU it used. */
  synchronized void tileDone(long busy, long cpu) {
    roll(ticker.read());
    tiles++;
    busyNanos += busy;
    cpuNanos += cpu;
  }

  /**
   * The report for now.
   *
   * @param queue tiles waiting for or on a compute thread
   * @param pendingIterations the iterations, at most, those tiles still need
   */
  LoadReport report(int queue, long pendingIterations) {
    double rps;
    double busy;
    double cpu;
    synchronized (this) {
      long now = ticker.read();
      roll(now);
      long start = hasPrevious ? windowStart - WINDOW_NANOS : windowStart;
      // At least a millisecond, so a report taken at the start is not a division by zero.
      double seconds = Math.max(now - start, 1_000_000) / 1e9;
      double capacity = seconds * 1e9 * threads;
      rps = (tiles + previousTiles) / seconds;
      busy = (busyNanos + previousBusyNanos) / capacity;
      cpu = (cpuNanos + previousCpuNanos) / capacity;
    }
    return LoadReport.of(cpu, rps, 0)
        .withApplicationUtilization(busy)
        .withNamedMetric(QUEUE, queue)
        .withNamedMetric(PENDING_ITERATIONS, (double) pendingIterations);
  }

  /** Starts a new window when the current one is over; guarded by this. */
  private void roll(long now) {
    long elapsed = now - windowStart;
    if (elapsed < WINDOW_NANOS) {
      return;
    }
    if (elapsed < 2 * WINDOW_NANOS) {
      previousTiles = tiles;
      previousBusyNanos = busyNanos;
      previousCpuNanos = cpuNanos;
      windowStart += WINDOW_NANOS;
    } else { // idle for a whole window: nothing recent to carry over
      previousTiles = 0;
      previousBusyNanos = 0;
      previousCpuNanos = 0;
      windowStart = now; // the previous window, empty, ended now
    }
    hasPrevious = true;
    tiles = 0;
    busyNanos = 0;
    cpuNanos = 0;
  }
}
