package io.github.lb4j.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.lb4j.Endpoint;
import io.github.lb4j.testing.FakeClock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The polling-source SPI as another module sees it: a look, its resolutions and the settings. */
// Subscriptions and balancers are opened in try-with-resources only to be closed.
@SuppressWarnings("try")
final class PollingSourceTest {
  private static final Endpoint A = Endpoint.of("http://127.0.0.1:1");
  private static final Endpoint B = Endpoint.of("http://127.0.0.1:2");

  private final FakeClock clock = new FakeClock();

  private static void assertMessage(String expected, Executable call) {
    assertEquals(expected, assertThrows(IllegalArgumentException.class, call).getMessage());
  }

  @Test
  void subscribe_scriptedLook_deliversChangesAndFollowsTheirSchedule() {
    Deque<Resolution> script =
        new ArrayDeque<>(
            List.of(
                Resolution.found(List.of(B, A), Duration.ofSeconds(10), "two"),
                Resolution.failed("registry down"),
                Resolution.empty(Duration.ofSeconds(7), "none"),
                Resolution.found(List.of(A), Duration.ofSeconds(10), "one")));
    PollingSource source =
        PollingSource.builder()
            .retryDelay(Duration.ofSeconds(3))
            .scheduler(clock)
            .ticker(clock)
            .build("registry:workers", script::poll);
    List<List<Endpoint>> sets = new ArrayList<>();
    try (Subscription s = source.subscribe(sets::add)) {
      assertEquals(List.of(List.of(A, B)), sets, "sorted by id, before subscribe returns");
      clock.advance(Duration.ofSeconds(10));
      assertEquals(
          List.of(Duration.ofSeconds(3)), clock.pendingDelays(), "failed: the retry delay");
      clock.advance(Duration.ofSeconds(3));
      assertEquals(List.of(Duration.ofSeconds(7)), clock.pendingDelays(), "empty: its own delay");
      assertEquals(1, sets.size(), "empty keeps the set unless removeOnEmpty");
      clock.advance(Duration.ofSeconds(7));
      assertEquals(List.of(List.of(A, B), List.of(A)), sets);
    }
    assertEquals(List.of(), clock.pendingDelays(), "closed");
    assertEquals("registry:workers", source.toString());
  }

  @Test
  void subscribe_removeOnEmpty_deliversTheEmptySet() {
    Deque<Resolution> script =
        new ArrayDeque<>(
            List.of(
                Resolution.found(List.of(A), Duration.ofSeconds(1), "one"),
                Resolution.empty(Duration.ofSeconds(1), "none")));
    PollingSource source =
        PollingSource.builder().removeOnEmpty(true).scheduler(clock).build("r", script::poll);
    List<List<Endpoint>> sets = new ArrayList<>();
    try (Subscription s = source.subscribe(sets::add)) {
      clock.advance(Duration.ofSeconds(1));
    }
    assertEquals(List.of(List.of(A), List.of()), sets);
  }

  @Test
  void builder_badSettings_rejectedWithMessage() {
    PollingSource.Builder b = PollingSource.builder();
    assertMessage("retryDelay: PT0S (expected: > 0)", () -> b.retryDelay(Duration.ZERO));
    assertMessage("description: ' ' (expected: not blank)", () -> b.build(" ", () -> null));
    assertEquals(
        "look", assertThrows(NullPointerException.class, () -> b.build("r", null)).getMessage());
    assertEquals(
        "scheduler",
        assertThrows(NullPointerException.class, () -> b.scheduler(null)).getMessage());
    assertEquals(
        "ticker", assertThrows(NullPointerException.class, () -> b.ticker(null)).getMessage());
  }

  @Test
  void resolution_kindsAndTheirParts_checked() {
    assertEquals(
        Resolution.Kind.EMPTY, Resolution.found(List.of(), Duration.ofSeconds(1), "x").kind());
    assertEquals(
        List.of(A, B), Resolution.found(List.of(B, A), Duration.ofSeconds(1), "x").endpoints());
    assertMessage("next: PT0S (expected: > 0)", () -> Resolution.empty(Duration.ZERO, "x"));
    assertEquals(
        "next",
        assertThrows(NullPointerException.class, () -> Resolution.found(List.of(A), null, "x"))
            .getMessage());
    assertMessage(
        "endpoints: [] (expected: at least one for FOUND)",
        () -> new Resolution(Resolution.Kind.FOUND, List.of(), Duration.ofSeconds(1), "x"));
    assertMessage(
        "endpoints: [" + A + "] (expected: none for FAILED)",
        () -> new Resolution(Resolution.Kind.FAILED, List.of(A), null, "x"));
    assertMessage(
        "next: PT1S (expected: null for FAILED: failures retry after the retry delay)",
        () -> new Resolution(Resolution.Kind.FAILED, List.of(), Duration.ofSeconds(1), "x"));
    assertEquals(
        "detail",
        assertThrows(NullPointerException.class, () -> Resolution.failed(null)).getMessage());
  }
}
