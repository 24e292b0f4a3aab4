package io.github.lb4j.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.lb4j.Endpoint;
import io.github.lb4j.logging.StandardError;
import io.github.lb4j.testing.FakeClock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

final class RefresherTest {
  private static final Duration RETRY = Duration.ofSeconds(5);

  private final FakeClock clock = new FakeClock();
  private final Deque<Resolution> script = new ArrayDeque<>();
  private final AtomicInteger looks = new AtomicInteger();

  /** A refresher that looks at the script and delivers to {@code updates}. */
  private Refresher refresher(Consumer<List<Endpoint>> updates) {
    return new Refresher(
        "test",
        () -> {
          looks.incrementAndGet();
          Resolution next = script.poll();
          if (next == null) {
            throw new IllegalStateException("script exhausted");
          }
          return next;
        },
        updates,
        clock.scheduler(),
        false,
        clock,
        RETRY,
        false);
  }

  private static Resolution found(Duration next, String... urls) {
    return Resolution.found(java.util.Arrays.stream(urls).map(Endpoint::of).toList(), next, "test");
  }

  @Test
  void refresh_schedulesNextLookAtTheResolutionsDelay() {
    List<List<Endpoint>> sets = new ArrayList<>();
    script.add(found(Duration.ofSeconds(42), "http://127.0.0.1:1"));
    Refresher r = refresher(sets::add);
    r.refresh();
    assertEquals(List.of(Duration.ofSeconds(42)), clock.pendingDelays());
  }

  @Test
  void refresh_failureOrThrowingLook_retriesAfterRetryDelayAndKeepsSet() {
    List<List<Endpoint>> sets = new ArrayList<>();
    script.add(found(Duration.ofSeconds(60), "http://127.0.0.1:1"));
    script.add(Resolution.failed("timed out"));
    Refresher r = refresher(sets::add);
    r.refresh();
    clock.advance(Duration.ofSeconds(60));
    assertEquals(List.of(RETRY), clock.pendingDelays());
    clock.advance(RETRY); // the script is exhausted: the look throws
    assertEquals(List.of(RETRY), clock.pendingDelays());
    assertEquals(3, looks.get());
    assertEquals(1, sets.size());
  }

  @Test
  void refresh_manual_replacesScheduledLook() {
    List<List<Endpoint>> sets = new ArrayList<>();
    script.add(found(Duration.ofSeconds(60), "http://127.0.0.1:1"));
    script.add(found(Duration.ofSeconds(60), "http://127.0.0.1:2"));
    Refresher r = refresher(sets::add);
    r.refresh();
    clock.advance(Duration.ofSeconds(30));
    r.refresh();
    assertEquals(List.of(Duration.ofSeconds(60)), clock.pendingDelays(), "one look scheduled");
    assertEquals(2, sets.size());
  }

  @Test
  void deliver_consumerThrows_deliversSameSetAgainNextTime() {
    List<List<Endpoint>> sets = new ArrayList<>();
    AtomicInteger calls = new AtomicInteger();
    script.add(found(Duration.ofSeconds(10), "http://127.0.0.1:1"));
    script.add(found(Duration.ofSeconds(10), "http://127.0.0.1:1"));
    Refresher r =
        refresher(
            set -> {
              if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("boom");
              }
              sets.add(set);
            });
    r.refresh();
    assertEquals(List.of(), sets);
    clock.advance(Duration.ofSeconds(10));
    assertEquals(List.of(List.of(Endpoint.of("http://127.0.0.1:1"))), sets);
  }

  @Test
  void close_fromInsideDelivery_stopsAfterIt() {
    List<List<Endpoint>> sets = new ArrayList<>();
    script.add(found(Duration.ofSeconds(10), "http://127.0.0.1:1"));
    Refresher[] self = new Refresher[1];
    self[0] =
        refresher(
            set -> {
              sets.add(set);
              self[0].close();
            });
    self[0].refresh();
    assertEquals(1, sets.size());
    assertEquals(List.of(), clock.pendingDelays());
  }

  @Test
  void refresh_failureStreaks_warnOncePerStreak() {
    List<List<Endpoint>> sets = new ArrayList<>();
    script.add(found(Duration.ofSeconds(10), "http://127.0.0.1:1"));
    for (int i = 0; i < 4; i++) {
      script.add(Resolution.failed("timed out"));
    }
    script.add(found(Duration.ofSeconds(10), "http://127.0.0.1:1"));
    script.add(Resolution.failed("timed out"));
    Refresher r = refresher(sets::add);
    String log =
        StandardError.capture(
            () -> {
              r.refresh();
              clock.advance(Duration.ofSeconds(10).plus(RETRY.multipliedBy(4)));
              clock.advance(Duration.ofSeconds(10));
            });
    List<String> warnings = log.lines().filter(l -> l.contains(" WARN ")).toList();
    assertEquals(2, warnings.size(), "5 failures in two streaks, one WARN each:\n" + log);
    assertEquals(
        true,
        warnings.get(0).endsWith("test: timed out; keeping the last good set of 1 endpoints"),
        warnings.get(0));
    assertEquals(1, sets.size());
  }

  @Test
  void sameEndpoints_comparesAddressWeightAndMetadata() {
    Endpoint a = Endpoint.of("http://127.0.0.1:1");
    assertEquals(true, Refresher.sameEndpoints(List.of(a), List.of(Endpoint.of(a.id()))));
    assertEquals(false, Refresher.sameEndpoints(List.of(a), List.of(a.withWeight(2))));
    assertEquals(
        false,
        Refresher.sameEndpoints(List.of(a), List.of(a.withMetadata(java.util.Map.of("k", "v")))));
    assertEquals(false, Refresher.sameEndpoints(List.of(a), List.of()));
  }
}
