package io.github.lb4j.core;

import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Where a weighted cycle's pickers are: one counter shared by every thread, or one counter per
 * stripe of threads, each on its own cache lines, so that threads on different stripes never write
 * the same line.
 *
 * <p>A shared position gives the exact rotation across threads (round-robin's contract). A striped
 * one gives each stripe its own rotation through the same cycle, from the same start: over a cycle,
 * every thread's picks still follow the weights exactly, and two threads pay no contended increment
 * (the reported-load picker's, whose weights are shares, not a promised order).
 *
 * <p>Threading: thread safe, lock free; {@link #next()} allocates nothing.
 */
final class CyclePosition {
  /** Ints between two stripes' counters: 128 bytes, two 64-byte lines (adjacent-line prefetch). */
  private static final int PAD = 32;

  private final AtomicIntegerArray cells;
  private final int mask;

  private CyclePosition(int stripes) {
    this.cells = new AtomicIntegerArray(stripes * PAD);
    this.mask = stripes - 1;
  }

  /** One counter for every thread. */
  static CyclePosition shared() {
    return new CyclePosition(1);
  }

  /** A counter per stripe: twice the processors, rounded up to a power of two, at most 64. */
  static CyclePosition striped() {
    int cpus = Runtime.getRuntime().availableProcessors();
    int stripes = Math.min(64, Integer.highestOneBit(Math.max(1, cpus) * 4 - 1));
    return new CyclePosition(stripes);
  }

  /** The next position of the calling thread's stripe, never negative. */
  int next() {
    // The thread's id picks its stripe: ids are dense, so threads started together differ in the
    // low bits. Threads that share a stripe share its counter, as all do with shared().
    int stripe = (int) Thread.currentThread().getId() & mask;
    return cells.getAndIncrement(stripe * PAD) & Integer.MAX_VALUE;
  }

  /** How many counters there are. */
  int stripes() {
    return mask + 1;
  }
}
