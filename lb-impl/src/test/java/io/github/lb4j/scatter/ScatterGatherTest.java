package io.github.lb4j.scatter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lb4j.Balancer;
import io.github.lb4j.Endpoint;
import io.github.lb4j.EndpointState;
import io.github.lb4j.Lease;
import io.github.lb4j.NoAvailableEndpointException;
import io.github.lb4j.core.Balancers;
import io.github.lb4j.core.Pickers;
import io.github.lb4j.logging.StandardError;
import io.github.lb4j.retry.RetryBudget;
import io.github.lb4j.retry.RetryPolicy;
import io.github.lb4j.testing.FakeClock;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ScatterGatherTest {

  static final String A = "http://a:1";
  static final String B = "http://b:1";
  static final String C = "http://c:1";

  final FakeClock clock = new FakeClock();
  final Balancer balancer = roundRobin(A, B, C);
  final Calls transport = new Calls();
  final List<Progress> reports = new CopyOnWriteArrayList<>();

  Balancer roundRobin(String... addresses) {
    return Balancers.builder()
        .name("test")
        .endpoints(addresses)
        .picker(Pickers.roundRobin())
        .ticker(clock)
        .build();
  }

  int inFlight() {
    return balancer.snapshot().totalInFlight();
  }

  EndpointState state(String id) {
    return balancer.snapshot().endpoint(id).orElseThrow();
  }

  ScatterGather.Builder<String, String> builder() {
    return ScatterGather.builder(balancer, transport, clock).ticker(clock);
  }

  static List<Task<String>> tasks(int n) {
    return IntStream.range(0, n).mapToObj(i -> Task.keyed("k" + i, "t" + i)).toList();
  }

  @Test
  void gathersResultsInTaskOrderWhateverTheCompletionOrder() throws Exception {
    CompletableFuture<List<String>> f = builder().build().execute(tasks(3), reports::add);
    assertEquals(3, transport.calls.size());
    transport.calls.get(2).answer();
    transport.calls.get(0).answer();
    assertFalse(f.isDone());
    transport.calls.get(1).answer();
    assertEquals(List.of("t0@" + A, "t1@" + B, "t2@" + C), done(f));
    assertEquals(0, inFlight());
    for (String id : List.of(A, B, C)) {
      assertEquals(1, state(id).successes());
      assertEquals(0, state(id).failures());
    }
  }

  @Test
  void emptyBatchCompletesAtOnce() throws Exception {
    assertEquals(List.of(), done(builder().build().execute(List.of())));
  }

  @Test
  void reportsProgressPerTaskAndEndpoint() {
    builder().build().execute(tasks(3), reports::add);
    transport.calls.get(1).answer();
    clock.advance(Duration.ofMillis(10));
    transport.calls.get(0).answer();
    transport.calls.get(2).fail(new IOException("boom"));
    // t2 retried at the front of the queue, on A (round-robin's next)
    transport.calls.get(3).answer();

    assertEquals(3, reports.size());
    assertEquals(List.of(1, 2, 3), reports.stream().map(Progress::done).toList());
    Progress last = reports.get(2);
    assertTrue(last.isFinished());
    assertEquals(1, last.retries());
    Progress.EndpointProgress a = last.endpoints().get(A);
    assertEquals(2, a.completed());
    assertEquals(2, a.attempts());
    assertEquals(Duration.ofMillis(5).toNanos(), a.meanLatencyNanos());
    assertEquals(1, last.endpoints().get(C).failures());
    assertEquals(0, last.endpoints().get(C).completed());
  }

  @Test
  void aThrowingProgressListenerChangesNothing() {
    CompletableFuture<List<String>> f =
        builder()
            .build()
            .execute(
                tasks(2),
                p -> {
                  throw new IllegalStateException("listener bug");
                });
    transport.calls.get(0).answer();
    transport.calls.get(1).answer();
    assertEquals(List.of("t0@" + A, "t1@" + B), done(f));
  }

  @Test
  void aTaskWithNoAttemptLeftIsNotHedged() {
    builder()
        .maxAttempts(1)
        .hedge(HedgePolicy.after(Duration.ofMillis(10)))
        .build()
        .execute(List.of(Task.of("x")));
    clock.advance(Duration.ofSeconds(1));
    assertEquals(1, transport.calls.size());
    assertEquals(0, clock.pending());
  }

  @Test
  void aHedgeNeedsAFreeSlotAndWaitsForOne() {
    builder()
        .maxInFlight(3)
        .hedge(HedgePolicy.after(Duration.ofMillis(100)))
        .build()
        .execute(tasks(3));
    clock.advance(Duration.ofMillis(100));
    assertEquals(3, transport.calls.size(), "no room for a hedge");
    transport.calls.get(0).answer();
    // the freed slot goes to a hedge of t1 or t2, queued ahead of everything else
    assertEquals(4, transport.calls.size());
    assertTrue(List.of("t1", "t2").contains(transport.calls.get(3).input));
  }

  @Test
  void retriesAFailedAttemptOnAnotherEndpoint() throws Exception {
    CompletableFuture<List<String>> f =
        builder().maxInFlight(1).build().execute(List.of(Task.of("x")));
    transport.calls.get(0).fail(new ConnectException("refused"));
    transport.calls.get(1).fail(new IOException("HTTP 500"));
    assertEquals(List.of(A, B, C), transport.endpoints());
    transport.calls.get(2).answer();
    assertEquals(List.of("x@" + C), done(f));
    assertEquals(1, state(A).failures());
    assertEquals(1, state(B).failures());
    assertEquals(1, state(C).successes());
    assertEquals(0, inFlight());
  }

  @Test
  void schedulerShutDownWhileABatchRuns_theBatchFailsSayingSo_andHoldsNoLease() throws Exception {
    java.util.concurrent.ScheduledExecutorService scheduler =
        java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
    CompletableFuture<List<String>> f =
        ScatterGather.builder(balancer, transport, scheduler)
            .ticker(clock)
            .maxInFlight(1)
            .attemptTimeout(java.time.Duration.ofSeconds(30))
            .build()
            .execute(tasks(2));
    assertEquals(1, transport.calls.size());
    scheduler.shutdownNow();
    transport.calls.get(0).answer(); // the next task's attempt needs a timer the scheduler refuses
    Throwable e = failure(f);
    assertTrue(e instanceof IllegalStateException, String.valueOf(e));
    assertTrue(e.getMessage().contains("scheduler refused a timer"), e.getMessage());
    assertEquals(0, inFlight());
    assertTrue(transport.calls.get(1).future.isCancelled(), "the refused attempt is cancelled");
  }

  @Test
  void avoidsEndpointsTheTaskAlreadyTriedEvenWhenThePickerOffersThem() throws Exception {
    builder().build().execute(tasks(2));
    // t0 on A, t1 on B; t0 fails: round-robin offers C next, then A
    transport.calls.get(0).fail(new IOException("x"));
    assertEquals(C, transport.calls.get(2).endpoint.id());
    transport.calls.get(2).fail(new IOException("y"));
    // A and C tried; B offered after A is turned down
    assertEquals(B, transport.calls.get(3).endpoint.id());
    assertEquals(2, inFlight()); // only the two running attempts hold leases
  }

  @Test
  void retriesElsewhereWithLeastConnectionAlthoughTheFailedEndpointIsTheLeastLoaded() {
    Balancer lc =
        Balancers.builder().name("lc").endpoints(A, B, C).picker(Pickers.leastConnection()).build();
    CompletableFuture<List<String>> f =
        ScatterGather.builder(lc, transport, clock)
            .maxInFlight(1)
            .build()
            .execute(List.of(Task.of("x")));
    transport.calls.get(0).fail(new ConnectException("refused"));
    transport.calls.get(1).fail(new ConnectException("refused"));
    assertEquals(3, transport.calls.stream().map(c -> c.endpoint).distinct().count());
    transport.calls.get(2).answer();
    assertEquals(1, done(f).size());
    assertEquals(0, lc.snapshot().totalInFlight());
  }

  @Test
  void keyedTasksKeepTheirEndpointWithConsistentHashingAndRetryOffIt() {
    Balancer ch =
        Balancers.builder().name("ch").endpoints(A, B, C).picker(Pickers.consistentHash()).build();
    ScatterGather<String, String> sg =
        ScatterGather.builder(ch, transport, clock).maxInFlight(1).build();
    List<Task<String>> batch = tasks(12);
    for (int round = 0; round < 2; round++) {
      sg.execute(batch);
      for (int i = 0; i < 12; i++) {
        transport.calls.get(round * 12 + i).answer();
      }
    }
    for (int i = 0; i < 12; i++) {
      assertEquals(transport.calls.get(i).endpoint, transport.calls.get(12 + i).endpoint, "k" + i);
    }
    assertTrue(transport.calls.stream().map(c -> c.endpoint).distinct().count() > 1);

    transport.calls.clear();
    sg.execute(List.of(batch.get(0)));
    transport.calls.get(0).fail(new IOException("down"));
    assertNotEquals(transport.calls.get(0).endpoint, transport.calls.get(1).endpoint);
  }

  @Test
  void fallsBackToATriedEndpointWhenNoOtherExists() throws Exception {
    Balancer single = roundRobin(A);
    CompletableFuture<List<String>> f =
        ScatterGather.builder(single, transport, clock).build().execute(List.of(Task.of("x")));
    transport.calls.get(0).fail(new IOException("once"));
    transport.calls.get(1).answer();
    assertEquals(List.of("x@" + A), done(f));
  }

  @Test
  void failsNamingEachTaskThatFailedAfterAllAttempts() {
    CompletableFuture<List<String>> f =
        builder()
            .maxAttempts(2)
            .build()
            .execute(List.of(Task.of("ok"), Task.keyed("tile-1-2", "bad")));
    transport.calls.get(0).answer();
    transport.calls.get(1).fail(new ConnectException("Connection refused"));
    transport.calls.get(2).fail(new IOException("HTTP 500"));

    ScatterGatherException sge = assertInstanceOf(ScatterGatherException.class, failure(f));
    assertEquals(
        "1 of 2 tasks failed; task 1 (key 'tile-1-2'): attempt 1 on http://b:1 failed:"
            + " ConnectException: Connection refused, attempt 2 on http://c:1 failed:"
            + " IOException: HTTP 500",
        sge.getMessage());
    assertEquals(1, sge.failures().size());
    assertEquals(1, sge.failures().get(0).index());
    assertEquals(2, sge.failures().get(0).attempts().size());
    assertEquals(2, sge.total());
  }

  @Test
  void retriesStopWhenTheSharedRetryBudgetIsSpent() {
    // No share of requests and no reserve: the budget holds exactly one retry for both batches.
    RetryBudget budget = RetryBudget.ofRatio(0).minRetriesPerSecond(0).ticker(clock).build();
    ScatterGather<String, String> sg =
        builder().retryPolicy(RetryPolicy.maxAttempts(3).withBudget(budget)).build();

    CompletableFuture<List<String>> first = sg.execute(List.of(Task.of("x")));
    transport.calls.get(0).fail(new IOException("HTTP 503"));
    transport.calls.get(1).answer(); // the one retry, on another endpoint
    CompletableFuture<List<String>> second = sg.execute(List.of(Task.of("y")));
    transport.calls.get(2).fail(new IOException("HTTP 503"));

    assertEquals(List.of("x@" + B), done(first));
    ScatterGatherException sge = assertInstanceOf(ScatterGatherException.class, failure(second));
    assertEquals(3, transport.calls.size(), "the second task's retries were refused");
    assertEquals(
        "retry budget spent: " + sg.retryPolicy,
        sge.failures().get(0).attempts().get(1).cause().getMessage());
    assertEquals(0, inFlight());
  }

  @Test
  void failsEachTaskWhenTheBalancerHasNoEndpoint() {
    Balancer empty = roundRobin();
    CompletableFuture<List<String>> f =
        ScatterGather.builder(empty, transport, clock)
            .maxAttempts(1)
            .build()
            .execute(List.of(Task.of("x")));
    ScatterGatherException sge = assertInstanceOf(ScatterGatherException.class, failure(f));
    assertEquals(
        "1 of 1 tasks failed; task 0: attempt 1 (no endpoint) failed:"
            + " NoAvailableEndpointException: balancer 'test': no endpoint available: no endpoints",
        sge.getMessage());
    assertInstanceOf(
        NoAvailableEndpointException.class, sge.failures().get(0).attempts().get(0).cause());
    assertTrue(transport.calls.isEmpty());
  }

  @Test
  void aTransportThatThrowsCountsAsAFailedAttempt() throws Exception {
    List<Endpoint> seen = new ArrayList<>();
    Transport<String, String> throwsOnA =
        (ep, in) -> {
          seen.add(ep);
          if (ep.id().equals(A)) {
            throw new IllegalStateException("bad");
          }
          return CompletableFuture.completedFuture(in + "@" + ep.id());
        };
    CompletableFuture<List<String>> f =
        ScatterGather.builder(balancer, throwsOnA, clock).build().execute(List.of(Task.of("x")));
    assertEquals(List.of("x@" + B), done(f));
    assertEquals(2, seen.size());
  }

  @Test
  void withEveryEndpointFull_theBalancerIsNotAskedUntilASlotFrees() throws Exception {
    AtomicInteger leases = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    CompletableFuture<List<String>> result =
        ScatterGather.builder(counting(balancer, leases, refused), transport, clock)
            .ticker(clock)
            .maxInFlightPerEndpoint(1)
            .build()
            .execute(tasks(6));
    assertEquals(3, transport.calls.size());
    for (int i = 0; i < 6; i++) {
      transport.calls.get(i).answer(); // frees one slot: the next task goes there
    }
    assertEquals(6, result.get().size());
    assertEquals(6, leases.get());
    assertEquals(0, refused.get(), "refusals while every endpoint was full");
  }

  @Test
  void boundsInFlightAttemptsOverallAndPerEndpoint() {
    builder().maxInFlight(4).maxInFlightPerEndpoint(1).build().execute(tasks(10));
    assertEquals(3, transport.calls.size()); // one per endpoint although 4 are allowed overall
    transport.calls.get(0).answer();
    assertEquals(4, transport.calls.size());
    assertEquals(A, transport.calls.get(3).endpoint.id());
    assertEquals(1, state(A).inFlight());

    transport.calls.clear();
    Balancer many = roundRobin(A, B, C, "http://d:1", "http://e:1");
    ScatterGather.builder(many, transport, clock).maxInFlight(2).build().execute(tasks(10));
    assertEquals(2, transport.calls.size());
  }

  @Test
  void anAttemptThatTimesOutIsCancelledAndRetriedElsewhere() throws Exception {
    CompletableFuture<List<String>> f =
        builder().attemptTimeout(Duration.ofSeconds(2)).build().execute(List.of(Task.of("x")));
    clock.advance(Duration.ofMillis(1999));
    assertEquals(1, transport.calls.size());
    clock.advance(Duration.ofMillis(1));
    assertTrue(transport.calls.get(0).future.isCancelled());
    assertEquals(2, transport.calls.size());
    assertEquals(B, transport.calls.get(1).endpoint.id());
    transport.calls.get(1).answer();
    assertEquals(List.of("x@" + B), done(f));
    assertEquals(1, state(A).failures());
    assertEquals(0, clock.pending());
  }

  @Test
  void timeoutsExhaustAttemptsWithTimeoutCauses() {
    CompletableFuture<List<String>> f =
        builder()
            .maxAttempts(2)
            .attemptTimeout(Duration.ofSeconds(1))
            .build()
            .execute(List.of(Task.of("x")));
    clock.advance(Duration.ofSeconds(2));
    ScatterGatherException sge = assertInstanceOf(ScatterGatherException.class, failure(f));
    assertInstanceOf(TimeoutException.class, sge.failures().get(0).attempts().get(1).cause());
    assertTrue(
        sge.getMessage().endsWith("TimeoutException: no answer within 1000 ms"), sge.getMessage());
  }

  @Test
  void hedgesAStragglerAfterAFixedDelayAndKeepsTheFirstAnswer() throws Exception {
    CompletableFuture<List<String>> f =
        builder()
            .hedge(HedgePolicy.after(Duration.ofMillis(100)))
            .build()
            .execute(List.of(Task.of("x")), reports::add);
    clock.advance(Duration.ofMillis(99));
    assertEquals(1, transport.calls.size());
    clock.advance(Duration.ofMillis(1));
    assertEquals(2, transport.calls.size());
    assertNotEquals(transport.calls.get(0).endpoint, transport.calls.get(1).endpoint);

    transport.calls.get(1).answer();
    assertEquals(List.of("x@" + B), done(f));
    assertTrue(transport.calls.get(0).future.isCancelled());
    assertEquals(0, inFlight());
    assertEquals(0, state(A).completed()); // the loser is neither a success nor a failure
    assertEquals(1, state(B).successes());
    assertEquals(1, reports.get(0).hedges());
    assertEquals(0, clock.pending());
  }

  @Test
  void theOriginalMayStillWinAfterAHedge() throws Exception {
    CompletableFuture<List<String>> f =
        builder()
            .hedge(HedgePolicy.after(Duration.ofMillis(100)))
            .build()
            .execute(List.of(Task.of("x")));
    clock.advance(Duration.ofMillis(100));
    transport.calls.get(0).answer();
    assertEquals(List.of("x@" + A), done(f));
    assertTrue(transport.calls.get(1).future.isCancelled());
  }

  @Test
  void aFailedHedgeLeavesTheOriginalRunning() throws Exception {
    CompletableFuture<List<String>> f =
        builder()
            .hedge(HedgePolicy.after(Duration.ofMillis(100)))
            .build()
            .execute(List.of(Task.of("x")));
    clock.advance(Duration.ofMillis(100));
    transport.calls.get(1).fail(new IOException("hedge failed"));
    assertEquals(2, transport.calls.size());
    assertFalse(f.isDone());
    transport.calls.get(0).answer();
    assertEquals(List.of("x@" + A), done(f));
  }

  @Test
  void percentileHedgingWaitsForEnoughSamplesThenUsesTheBatchLatencies() {
    builder()
        .maxInFlightPerEndpoint(8)
        .hedge(HedgePolicy.percentile(50).minSamples(2))
        .build()
        .execute(tasks(3));
    assertEquals(3, transport.calls.size());
    clock.advance(Duration.ofMillis(10));
    transport.calls.get(0).answer(); // 10 ms
    clock.advance(Duration.ofSeconds(5));
    assertEquals(3, transport.calls.size(), "no hedge before 2 samples");
    clock.advance(Duration.ofMillis(20));
    transport.calls.get(1).answer(); // 5030 ms; median of {10, 5030} is 10 ms: t2 is a straggler
    clock.advance(Duration.ZERO); // its hedge timer is due at once
    assertEquals(4, transport.calls.size());
    assertEquals("t2", transport.calls.get(3).input);
    assertNotEquals(C, transport.calls.get(3).endpoint.id());
  }

  @Test
  void startsTheMostExpensiveTasksFirstAndTasksOfEqualCostInOrder() {
    List<Task<String>> tasks =
        List.of(
            Task.of("t0"),
            Task.of("t1").withCost(5),
            Task.of("t2").withCost(3),
            Task.of("t3").withCost(5),
            Task.of("t4"));
    CompletableFuture<List<String>> f = builder().maxInFlight(1).build().execute(tasks);
    for (int i = 0; i < tasks.size(); i++) {
      transport.calls.get(i).answer();
    }
    assertEquals(
        List.of("t1", "t3", "t2", "t0", "t4"),
        transport.calls.stream().map(Call::input).toList(),
        "the order tasks were sent in");
    assertEquals(List.of("t0@" + A, "t1@" + A, "t2@" + C, "t3@" + B, "t4@" + B), done(f));
  }

  @Test
  void pastExpected_identicalEndpointsAndSkewedCosts_noHedge() {
    int hedges = hedgesOnIdenticalEndpoints(HedgePolicy.pastExpected(3).minSamples(4));
    assertEquals(0, hedges);
    assertEquals(40, transport.calls.size(), "no copy was sent");
  }

  @Test
  void percentile_identicalEndpointsAndSkewedCosts_hedgesTheExpensiveTasks() {
    // The same batch under a flat percentile: the expensive quarter looks like stragglers.
    assertTrue(hedgesOnIdenticalEndpoints(HedgePolicy.percentile(50).minSamples(4)) > 0);
  }

  /**
   * Runs 40 tasks on three identical endpoints, one task at a time each, at 10 ms per unit of cost,
   * a quarter of them 20 times as costly as the others (as a tile of the set next to one outside
   * it), and returns the batch's hedges.
   */
  private int hedgesOnIdenticalEndpoints(HedgePolicy policy) {
    List<Task<String>> tasks = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      tasks.add(Task.keyed("k" + i, "t" + i).withCost(i % 4 == 0 ? 20 : 1));
    }
    CompletableFuture<List<String>> f =
        builder().maxInFlightPerEndpoint(1).hedge(policy).build().execute(tasks, reports::add);
    runAtTenMillisPerCost(tasks, f);
    assertEquals(40, done(f).size());
    return reports.get(reports.size() - 1).hedges();
  }

  /**
   * Answers every call {@code 10 ms * cost} after it was sent, in order of those times, on the fake
   * clock, until the batch is over. Every endpoint runs one task at a time, so it is the time an
   * identical worker would take.
   */
  private void runAtTenMillisPerCost(List<Task<String>> tasks, CompletableFuture<?> f) {
    java.util.Map<String, Long> cost = new java.util.HashMap<>();
    tasks.forEach(t -> cost.put(t.input(), t.cost()));
    answerWhenDue(transport, f, c -> clock.read() + 10_000_000L * cost.get(c.input()));
  }

  /**
   * Answers each call at the time {@code dueAt} gives it (asked once per call, when the call is
   * first seen, on the fake clock), earliest first, advancing the clock to it, until {@code f} is
   * done.
   */
  private void answerWhenDue(
      Calls calls, CompletableFuture<?> f, java.util.function.Function<Call, Long> dueAt) {
    java.util.Map<Call, Long> due = new java.util.HashMap<>();
    for (int step = 0; step < 10_000 && !f.isDone(); step++) {
      for (Call c : calls.calls) {
        due.computeIfAbsent(c, dueAt);
      }
      Call next = null;
      for (Call c : calls.calls) {
        if (!c.future.isDone() && (next == null || due.get(c) < due.get(next))) {
          next = c;
        }
      }
      assertTrue(next != null, "nothing in flight while the batch runs");
      clock.advance(Duration.ofNanos(Math.max(0, due.get(next) - clock.read())));
      next.answer();
    }
  }

  /**
   * Two endpoints take 10 ms per task and one takes 40 ms, each one task at a time, up to 8 queued
   * per endpoint, least-connection. The slow one is used while much work is left, but towards the
   * end it gets no task it would finish after the fast ones finish everything: the batch ends
   * within a task of the ideal time, instead of waiting for a queue of 8 slow tasks.
   */
  @Test
  void aSlowEndpointTakesNoTaskItWouldEndAfterTheOthersEndTheBatch() {
    Balancer lc =
        Balancers.builder()
            .name("lc")
            .endpoints(A, B, C)
            .picker(Pickers.leastConnection(new java.util.Random(7)))
            .ticker(clock)
            .build();
    Calls calls = new Calls();
    List<Task<String>> tasks = tasks(90);
    CompletableFuture<List<String>> f =
        ScatterGather.builder(lc, calls, clock)
            .ticker(clock)
            .maxInFlightPerEndpoint(8)
            .hedge(HedgePolicy.none())
            .build()
            .execute(tasks);
    java.util.Map<String, Long> perTask = java.util.Map.of(A, 10L, B, 10L, C, 40L);
    long start = clock.read();
    runSerialWorkers(calls, perTask, f);
    assertEquals(90, done(f).size());
    long millis = (clock.read() - start) / 1_000_000;
    // 90 tasks at 0.1 + 0.1 + 0.025 tasks per ms: 400 ms at best; without the rule, least-
    // connection leaves a queue of slow tasks at the end and the batch takes 600 ms.
    assertTrue(millis <= 440, "the batch took " + millis + " ms");
    long slow = calls.calls.stream().filter(c -> c.endpoint().id().equals(C)).count();
    assertTrue(slow >= 4, "the slow endpoint took part: " + slow + " tasks");
  }

  /**
   * Answers the calls as workers that run one task at a time each, in the order they were sent,
   * taking {@code millisPerTask} of their endpoint per task, on the fake clock.
   */
  private void runSerialWorkers(
      Calls calls, java.util.Map<String, Long> millisPerTask, CompletableFuture<?> f) {
    java.util.Map<String, Long> freeAt = new java.util.HashMap<>();
    answerWhenDue(
        calls,
        f,
        c -> {
          String id = c.endpoint().id();
          long end =
              Math.max(clock.read(), freeAt.getOrDefault(id, 0L))
                  + 1_000_000L * millisPerTask.get(id);
          freeAt.put(id, end);
          return end;
        });
  }

  @Test
  void pastExpected_hedgesAFarOverdueTaskToAnIdleEndpointOnly_andCancelsTheLoser() {
    builder()
        .maxInFlightPerEndpoint(2)
        .hedge(HedgePolicy.pastExpected(3).minSamples(3))
        .build()
        .execute(tasks(6), reports::add);
    // Round-robin: t0, t3 on A; t1, t4 on B; t2, t5 on C.
    assertEquals(List.of(A, B, C, A, B, C), transport.endpoints());
    clock.advance(Duration.ofMillis(10));
    for (int i = 0; i < 3; i++) {
      transport.calls.get(i).answer(); // 10 ms for one unit of work each
    }
    // t3, t4 and t5 had one task ahead: 20 ms expected, hedged past 60 ms.
    clock.advance(Duration.ofMillis(59));
    assertEquals(6, transport.calls.size());
    clock.advance(Duration.ofMillis(41));
    assertEquals(6, transport.calls.size(), "overdue, but every endpoint is busy");

    transport.calls.get(4).answer(); // t4: B falls idle
    assertEquals(7, transport.calls.size());
    Call hedge = transport.calls.get(6);
    assertEquals("t3", hedge.input());
    assertEquals(B, hedge.endpoint().id(), "the idle endpoint");

    hedge.answer();
    assertTrue(transport.calls.get(3).future.isCancelled(), "the losing copy on A is cancelled");
    // A and B are idle now: t5's hedge, waiting until now, goes to one of them.
    assertEquals(8, transport.calls.size());
    assertEquals("t5", transport.calls.get(7).input());
    assertTrue(List.of(A, B).contains(transport.calls.get(7).endpoint().id()));
    transport.calls.get(7).answer();
    assertTrue(transport.calls.get(5).future.isCancelled(), "t5's loser on C is cancelled");
    assertEquals(2, reports.get(reports.size() - 1).hedges());
  }

  @Test
  void hedgeTimersWaitUntilAnEndpointStaysIdle_thenAnOverdueAttemptIsHedgedAtOnce() {
    CompletableFuture<List<String>> f =
        builder()
            .maxInFlightPerEndpoint(1)
            .hedge(HedgePolicy.after(Duration.ofMillis(100)))
            .build()
            .execute(tasks(4));
    assertEquals(0, clock.pending(), "every endpoint busy: no timer");
    clock.advance(Duration.ofMillis(500));
    transport.calls.get(0).answer(); // A takes t3 at once: still all busy
    assertEquals(4, transport.calls.size());
    assertEquals(0, clock.pending(), "still every endpoint busy");

    transport.calls.get(3).answer(); // A stays idle: t1 and t2 are 500 ms old, t1 hedged now
    assertEquals(5, transport.calls.size());
    assertEquals(A, transport.calls.get(4).endpoint().id());
    assertEquals("t1", transport.calls.get(4).input(), "the oldest straggler first");
    transport.calls.get(4).answer();
    transport.calls.stream().filter(c -> !c.future().isDone()).forEach(Call::answer);
    assertEquals(4, done(f).size());
  }

  @Test
  void hedgingWithASingleEndpoint_warnsOnce() {
    Balancer one = roundRobin(A);
    ScatterGather<String, String> sg =
        ScatterGather.builder(one, transport, clock)
            .ticker(clock)
            .hedge(HedgePolicy.after(Duration.ofMillis(10)))
            .build();
    String err =
        StandardError.capture(
            () -> {
              sg.execute(tasks(2));
              sg.execute(tasks(2));
            });
    String warning =
        "test: hedging (HedgePolicy.after(PT0.01S)) with a single endpoint ("
            + A
            + ") does nothing";
    assertEquals(1, err.split(java.util.regex.Pattern.quote(warning), -1).length - 1, err);
    assertEquals(
        "",
        StandardError.capture(
            () ->
                ScatterGather.builder(one, transport, clock)
                    .ticker(clock)
                    .build()
                    .execute(tasks(1))),
        "no warning without hedging");
  }

  @Test
  void cancellingTheBatchCancelsEverythingInFlight() {
    CompletableFuture<List<String>> f =
        builder()
            .attemptTimeout(Duration.ofSeconds(5))
            .hedge(HedgePolicy.after(Duration.ofSeconds(1)))
            .build()
            .execute(tasks(5));
    assertEquals(5, transport.calls.size());
    assertTrue(clock.pending() > 0);

    assertTrue(f.cancel(true));

    assertTrue(transport.calls.stream().allMatch(c -> c.future.isCancelled()));
    assertEquals(0, inFlight());
    assertEquals(0, clock.pending());
    clock.advance(Duration.ofSeconds(10));
    assertEquals(5, transport.calls.size(), "nothing new is sent after cancelling");
  }

  @Test
  void validatesArgumentsNamingParameterValueAndExpectation() {
    ScatterGather.Builder<String, String> b = builder();
    assertEquals(
        "maxAttempts: 0 (expected: >= 1)",
        assertThrows(IllegalArgumentException.class, () -> b.maxAttempts(0)).getMessage());
    assertEquals(
        "maxInFlight: -1 (expected: >= 1)",
        assertThrows(IllegalArgumentException.class, () -> b.maxInFlight(-1)).getMessage());
    assertEquals(
        "maxInFlightPerEndpoint: 0 (expected: >= 1)",
        assertThrows(IllegalArgumentException.class, () -> b.maxInFlightPerEndpoint(0))
            .getMessage());
    assertEquals(
        "attemptTimeout: PT0S (expected: > 0)",
        assertThrows(IllegalArgumentException.class, () -> b.attemptTimeout(Duration.ZERO))
            .getMessage());
    assertEquals(
        "delay: PT-1S (expected: > 0)",
        assertThrows(
                IllegalArgumentException.class, () -> HedgePolicy.after(Duration.ofSeconds(-1)))
            .getMessage());
    assertEquals(
        "percentile: 0.0 (expected: > 0 and <= 100)",
        assertThrows(IllegalArgumentException.class, () -> HedgePolicy.percentile(0)).getMessage());
    assertEquals(
        "percentile: NaN (expected: > 0 and <= 100)",
        assertThrows(IllegalArgumentException.class, () -> HedgePolicy.percentile(Double.NaN))
            .getMessage());
    assertEquals(
        "minSamples: 0 (expected: >= 1)",
        assertThrows(IllegalArgumentException.class, () -> HedgePolicy.percentile(95).minSamples(0))
            .getMessage());
    assertEquals(
        "minSamples on HedgePolicy.none() (expected: a HedgePolicy.percentile(...) or"
            + " pastExpected(...) policy)",
        assertThrows(IllegalStateException.class, () -> HedgePolicy.none().minSamples(4))
            .getMessage());
    assertEquals(
        "HedgePolicy.percentile(99.0).minSamples(16)", HedgePolicy.percentile(99).toString());
    assertEquals(
        "HedgePolicy.pastExpected(3.0).minSamples(8)",
        HedgePolicy.pastExpected(3).minSamples(8).toString());
    assertEquals(
        "factor: 1.0 (expected: > 1 and finite)",
        assertThrows(IllegalArgumentException.class, () -> HedgePolicy.pastExpected(1))
            .getMessage());
    assertEquals(
        "factor: Infinity (expected: > 1 and finite)",
        assertThrows(
                IllegalArgumentException.class,
                () -> HedgePolicy.pastExpected(Double.POSITIVE_INFINITY))
            .getMessage());
    assertEquals(
        "cost: 0 (expected: >= 1)",
        assertThrows(IllegalArgumentException.class, () -> Task.of("x").withCost(0)).getMessage());
    assertEquals(
        "key: '' (expected: null or not empty)",
        assertThrows(IllegalArgumentException.class, () -> Task.keyed("", "x")).getMessage());
    List<Task<String>> withNull = new ArrayList<>();
    withNull.add(Task.of("a"));
    withNull.add(null);
    ScatterGather<String, String> sg = b.build();
    assertEquals(
        "tasks[1]: null (expected: a task)",
        assertThrows(IllegalArgumentException.class, () -> sg.execute(withNull)).getMessage());
    assertEquals(
        "balancer",
        assertThrows(
                NullPointerException.class, () -> ScatterGather.builder(null, transport, clock))
            .getMessage());
  }

  @Test
  void aTransportReturningNullFailsTheAttemptNamingTheEndpoint() {
    CompletableFuture<List<String>> f =
        ScatterGather.<String, String>builder(balancer, (endpoint, input) -> null, clock)
            .ticker(clock)
            .maxAttempts(1)
            .build()
            .execute(List.of(Task.of("x")));
    ScatterGatherException sge = assertInstanceOf(ScatterGatherException.class, failure(f));
    Throwable cause = sge.failures().get(0).attempts().get(0).cause();
    assertInstanceOf(NullPointerException.class, cause);
    assertEquals("transport.send(" + A + ", ...): null (expected: a future)", cause.getMessage());
    assertEquals(0, inFlight());
  }

  /** The result of a batch that must be over by now; never waits. */
  static <R> List<R> done(CompletableFuture<List<R>> f) {
    assertTrue(f.isDone(), "batch still running");
    return f.join();
  }

  /** The failure of a batch that must be over by now; never waits. */
  static Throwable failure(CompletableFuture<?> f) {
    assertTrue(f.isDone(), "batch still running");
    return assertThrows(ExecutionException.class, f::get).getCause();
  }

  /**
   * {@code delegate}, counting in {@code leases} the leases it gives and in {@code refused} the
   * acquisitions it refuses.
   */
  static Balancer counting(Balancer delegate, AtomicInteger leases, AtomicInteger refused) {
    return (Balancer)
        Proxy.newProxyInstance(
            Balancer.class.getClassLoader(),
            new Class<?>[] {Balancer.class},
            (proxy, method, args) -> {
              try {
                Object out = method.invoke(delegate, args);
                if (out instanceof Lease) {
                  leases.incrementAndGet();
                }
                return out;
              } catch (InvocationTargetException e) {
                if (e.getCause() instanceof NoAvailableEndpointException) {
                  refused.incrementAndGet();
                }
                throw e.getCause();
              }
            });
  }

  /** A transport whose futures the test completes by hand. */
  static final class Calls implements Transport<String, String> {
    final List<Call> calls = new CopyOnWriteArrayList<>();

    @Override
    public CompletableFuture<String> send(Endpoint endpoint, String input) {
      Call c = new Call(endpoint, input, new CompletableFuture<>());
      calls.add(c);
      return c.future;
    }

    List<String> endpoints() {
      return calls.stream().map(c -> c.endpoint.id()).toList();
    }
  }

  record Call(Endpoint endpoint, String input, CompletableFuture<String> future) {
    void answer() {
      future.complete(input + "@" + endpoint.id());
    }

    void fail(Throwable t) {
      future.completeExceptionally(t);
    }
  }
}
