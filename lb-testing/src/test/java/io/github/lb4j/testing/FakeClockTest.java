package io.github.lb4j.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The fixture the time-driven tests share: its semantics are what those tests rely on. */
final class FakeClockTest {
  private final FakeClock clock = new FakeClock();
  private final List<String> ran = new ArrayList<>();

  private Runnable record(String name) {
    return () -> ran.add(name + "@" + Duration.ofNanos(clock.read() - 1_000_000_000L).toMillis());
  }

  @Test
  void read_new_startsAtOneSecondAndStaysUntilAdvanced() {
    assertEquals(1_000_000_000L, clock.read());
    assertEquals(1_000_000_000L, clock.read());
    clock.advance(Duration.ofMillis(250));
    assertEquals(1_250_000_000L, clock.read());
  }

  @Test
  void scheduler_always_isTheClockItself() {
    assertSame(clock, clock.scheduler());
  }

  @Test
  void advance_tasksDue_runInDueOrderAtTheirDueTime() {
    clock.schedule(record("c"), 30, TimeUnit.MILLISECONDS);
    clock.schedule(record("a"), 10, TimeUnit.MILLISECONDS);
    clock.schedule(record("b"), 20, TimeUnit.MILLISECONDS);
    clock.advance(Duration.ofMillis(19));
    assertEquals(List.of("a@10"), ran);
    clock.advance(Duration.ofMillis(100));
    assertEquals(List.of("a@10", "b@20", "c@30"), ran);
    assertEquals(1_119_000_000L, clock.read(), "ends at the target, not at the last task");
  }

  @Test
  void advance_tasksDueAtTheSameTime_runFirstInFirstOut() {
    for (String name : List.of("x", "y", "z", "w")) {
      clock.schedule(record(name), 5, TimeUnit.MILLISECONDS);
    }
    clock.advance(Duration.ofMillis(5));
    assertEquals(List.of("x@5", "y@5", "z@5", "w@5"), ran);
  }

  @Test
  void advance_taskSchedulesAnotherDueBeforeTarget_runsItInTheSameCall() {
    clock.schedule(
        () -> {
          record("first").run();
          clock.schedule(record("second"), 10, TimeUnit.MILLISECONDS);
        },
        10,
        TimeUnit.MILLISECONDS);
    clock.advance(Duration.ofMillis(25));
    assertEquals(List.of("first@10", "second@20"), ran);
    assertEquals(0, clock.pending());
  }

  @Test
  void advance_negative_throwsAndLeavesTimeAlone() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> clock.advance(Duration.ofSeconds(-1)));
    assertEquals("by: PT-1S (expected: >= 0)", e.getMessage());
    assertEquals(1_000_000_000L, clock.read());
    assertThrows(NullPointerException.class, () -> clock.advance(null));
  }

  @Test
  void advance_taskThrows_propagatesAndKeepsTheRestQueued() {
    Runnable boom =
        () -> {
          throw new IllegalStateException("boom");
        };
    clock.schedule(boom, 1, TimeUnit.MILLISECONDS);
    clock.schedule(record("after"), 2, TimeUnit.MILLISECONDS);
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> clock.advance(Duration.ofMillis(5)));
    assertEquals("boom", e.getMessage());
    assertEquals(1_001_000_000L, clock.read(), "time stops at the task that threw");
    assertEquals(List.of(Duration.ofMillis(1)), clock.pendingDelays());
    clock.advance(Duration.ofMillis(1));
    assertEquals(List.of("after@2"), ran);
  }

  @Test
  void execute_always_queuesUntilRunDue() {
    clock.execute(record("now"));
    assertEquals(List.of(), ran, "execute does not run at once");
    assertEquals(1, clock.pending());
    clock.runDue();
    assertEquals(List.of("now@0"), ran);
    assertEquals(1_000_000_000L, clock.read(), "runDue does not move time");
  }

  @Test
  void schedule_negativeDelay_isDueNow() {
    clock.schedule(record("late"), -5, TimeUnit.SECONDS);
    assertEquals(List.of(Duration.ZERO), clock.pendingDelays());
    clock.runDue();
    assertEquals(List.of("late@0"), ran);
  }

  @Test
  void pendingDelays_mixedTasks_soonestFirstFromNow() {
    clock.schedule(record("b"), 3, TimeUnit.SECONDS);
    clock.schedule(record("a"), 1, TimeUnit.SECONDS);
    clock.advance(Duration.ofMillis(500));
    assertEquals(List.of(Duration.ofMillis(500), Duration.ofMillis(2500)), clock.pendingDelays());
    assertEquals(2, clock.pending());
  }

  @Test
  void cancel_waitingTask_neverRunsAndIsNotPending() {
    ScheduledFuture<?> f = clock.schedule(record("gone"), 1, TimeUnit.SECONDS);
    clock.schedule(record("kept"), 2, TimeUnit.SECONDS);
    assertTrue(f.cancel(false));
    assertTrue(f.isCancelled());
    assertTrue(f.isDone());
    assertFalse(f.cancel(false), "already cancelled");
    assertEquals(1, clock.pending());
    assertEquals(List.of(Duration.ofSeconds(2)), clock.pendingDelays());
    clock.advance(Duration.ofSeconds(5));
    assertEquals(List.of("kept@2000"), ran);
    assertThrows(CancellationException.class, f::get);
  }

  @Test
  void cancel_finishedTask_returnsFalse() throws Exception {
    ScheduledFuture<?> f = clock.schedule(record("done"), 1, TimeUnit.SECONDS);
    assertEquals(
        "not run yet: due in PT1S; advance the clock first",
        assertThrows(IllegalStateException.class, f::get).getMessage());
    clock.advance(Duration.ofSeconds(1));
    assertTrue(f.isDone());
    assertFalse(f.cancel(false));
    assertFalse(f.isCancelled());
    assertNull(f.get());
  }

  @Test
  void cancel_fromInsideItsOwnRun_succeedsAndTheRunFinishes() {
    List<Boolean> cancelled = new ArrayList<>();
    ScheduledFuture<?>[] self = new ScheduledFuture<?>[1];
    self[0] =
        clock.schedule(
            () -> {
              cancelled.add(self[0].cancel(false));
              record("ran").run();
            },
            1,
            TimeUnit.SECONDS);
    clock.advance(Duration.ofSeconds(1));
    assertEquals(List.of(true), cancelled);
    assertEquals(List.of("ran@1000"), ran);
    assertTrue(self[0].isCancelled());
  }

  @Test
  void getDelay_waitingTask_shrinksAsTimeMoves() {
    ScheduledFuture<?> f = clock.schedule(record("t"), 10, TimeUnit.SECONDS);
    clock.advance(Duration.ofSeconds(4));
    assertEquals(6, f.getDelay(TimeUnit.SECONDS));
  }

  @Test
  void shutdown_queuedTasks_stillRunButNewOnesAreRejected() {
    clock.schedule(record("queued"), 1, TimeUnit.SECONDS);
    clock.shutdown();
    assertTrue(clock.isShutdown());
    assertTrue(clock.isTerminated());
    assertTrue(clock.awaitTermination(1, TimeUnit.SECONDS));
    assertThrows(
        RejectedExecutionException.class, () -> clock.schedule(record("new"), 1, TimeUnit.SECONDS));
    assertThrows(RejectedExecutionException.class, () -> clock.execute(record("new")));
    clock.advance(Duration.ofSeconds(1));
    assertEquals(List.of("queued@1000"), ran);
  }

  @Test
  void shutdownNow_queuedTasks_areDroppedAndReturnedInDueOrder() {
    Runnable late = record("late");
    Runnable early = record("early");
    clock.schedule(late, 2, TimeUnit.SECONDS);
    clock.schedule(early, 1, TimeUnit.SECONDS);
    assertEquals(List.of(early, late), clock.shutdownNow());
    assertEquals(0, clock.pending());
    assertTrue(clock.isShutdown());
    clock.advance(Duration.ofSeconds(5));
    assertEquals(List.of(), ran);
  }

  @Test
  void scheduleOtherKinds_always_unsupported() {
    assertEquals(
        "schedule(Callable) is not supported",
        assertThrows(
                UnsupportedOperationException.class,
                () -> clock.schedule(() -> 1, 1, TimeUnit.SECONDS))
            .getMessage());
    assertEquals(
        "scheduleAtFixedRate is not supported",
        assertThrows(
                UnsupportedOperationException.class,
                () -> clock.scheduleAtFixedRate(record("r"), 1, 1, TimeUnit.SECONDS))
            .getMessage());
    assertEquals(
        "scheduleWithFixedDelay is not supported",
        assertThrows(
                UnsupportedOperationException.class,
                () -> clock.scheduleWithFixedDelay(record("r"), 1, 1, TimeUnit.SECONDS))
            .getMessage());
    assertEquals(0, clock.pending());
  }
}
