package io.github.lb4j.core;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.github.lb4j.Endpoint;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Collects probe outcomes as the health checker applies them, so that a test can wait for the
 * outcome of real HTTP probes (which complete on OkHttp's threads) instead of sleeping.
 */
final class ProbeLog implements BiConsumer<Endpoint, Boolean> {
  private final BlockingQueue<String> outcomes = new LinkedBlockingQueue<>();

  @Override
  public void accept(Endpoint endpoint, Boolean ok) {
    outcomes.add(endpoint.id() + (ok ? " passed" : " failed"));
  }

  /** Waits for the next outcome, e.g. {@code "http://127.0.0.1:8081 failed"}. */
  String next() throws InterruptedException {
    String outcome = outcomes.poll(10, TimeUnit.SECONDS);
    assertNotNull(outcome, "no probe outcome arrived");
    return outcome;
  }

  /**
   * Waits for {@code n} outcomes and returns them sorted, to compare regardless of arrival order.
   */
  java.util.List<String> next(int n) throws InterruptedException {
    java.util.List<String> list = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      list.add(next());
    }
    java.util.Collections.sort(list);
    return list;
  }

  boolean isEmpty() {
    return outcomes.isEmpty();
  }
}
