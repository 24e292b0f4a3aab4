package io.github.lb4j.core;

import java.util.concurrent.atomic.LongAdder;

/**
 * A balancer's in-flight total, kept only for pickers that read it (bounded loads): a {@link
 * LongAdder}, striped so that callers on different cores do not contend on one counter. Thread
 * safe.
 */
final class Totals {
  private final LongAdder inFlight = new LongAdder();

  void add(int delta) {
    inFlight.add(delta);
  }

  int inFlight() {
    return (int) Math.max(0, inFlight.sum());
  }
}
