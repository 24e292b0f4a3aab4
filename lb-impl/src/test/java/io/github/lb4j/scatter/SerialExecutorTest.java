package io.github.lb4j.scatter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

final class SerialExecutorTest {
  private final SerialExecutor executor = new SerialExecutor();
  private final List<String> ran = new ArrayList<>();

  @Test
  void execute_idle_runsAtOnceOnTheCallingThread() {
    Thread caller = Thread.currentThread();
    executor.execute(() -> ran.add(Thread.currentThread() == caller ? "caller" : "other"));
    assertEquals(List.of("caller"), ran);
  }

  @Test
  void execute_fromARunningTask_queuedAfterItInsteadOfRecursing() {
    executor.execute(
        () -> {
          ran.add("outer start");
          executor.execute(() -> ran.add("inner"));
          ran.add("outer end");
        });
    assertEquals(List.of("outer start", "outer end", "inner"), ran);
  }

  @Test
  void execute_taskThrows_loggedAndTheQueueGoesOn() {
    executor.execute(
        () -> {
          executor.execute(() -> ran.add("after"));
          throw new IllegalStateException("task bug");
        });
    executor.execute(() -> ran.add("next"));
    assertEquals(List.of("after", "next"), ran);
  }

  @Test
  void execute_taskThrowsError_rethrownAndTheRestRunsAtTheNextExecute() {
    AssertionError bug = new AssertionError("bug");
    assertThrows(
        AssertionError.class,
        () ->
            executor.execute(
                () -> {
                  executor.execute(() -> ran.add("queued"));
                  throw bug;
                }));
    assertEquals(List.of(), ran);
    executor.execute(() -> ran.add("next"));
    assertEquals(List.of("queued", "next"), ran);
  }

  @Test
  @Timeout(30)
  void execute_manyThreads_tasksNeverOverlapAndAllRun() throws InterruptedException {
    int threads = 4;
    int perThread = 10_000;
    AtomicInteger running = new AtomicInteger();
    AtomicInteger overlaps = new AtomicInteger();
    int[] count = {0}; // touched only by tasks: no lock needed if they never overlap
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> started = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread thread =
          new Thread(
              () -> {
                try {
                  start.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  return;
                }
                for (int i = 0; i < perThread; i++) {
                  executor.execute(
                      () -> {
                        if (running.incrementAndGet() != 1) {
                          overlaps.incrementAndGet();
                        }
                        count[0]++;
                        running.decrementAndGet();
                      });
                }
              });
      thread.start();
      started.add(thread);
    }
    start.countDown();
    for (Thread thread : started) {
      thread.join(TimeUnit.SECONDS.toMillis(20));
    }
    CountDownLatch last = new CountDownLatch(1);
    executor.execute(last::countDown);
    assertTrue(last.await(10, TimeUnit.SECONDS));
    assertEquals(0, overlaps.get());
    executor.execute(() -> ran.add("count " + count[0]));
    assertEquals(List.of("count " + threads * perThread), ran);
  }
}
