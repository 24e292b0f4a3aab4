package io.github.lb4j.core;

import static io.github.lb4j.core.Fixtures.endpoint;
import static io.github.lb4j.core.Fixtures.endpoints;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lb4j.Balancer;
import io.github.lb4j.Endpoint;
import io.github.lb4j.EndpointState;
import io.github.lb4j.Lease;
import io.github.lb4j.NoAvailableEndpointException;
import io.github.lb4j.PickerFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Readers choose and acquire while a writer adds and removes endpoints thousands of times. After
 * the storm: in-flight counts are back to zero, and no endpoint was chosen by a call that started
 * after its removal returned.
 */
final class ConcurrencyStressTest {
  private static final int READERS = 3;
  private static final int CHANGES = 4_000;

  static List<Supplier<PickerFactory>> pickers() {
    return List.of(
        Pickers::roundRobin,
        Pickers::random,
        Pickers::leastConnection,
        Pickers::peakEwma,
        Pickers::consistentHash,
        () -> Pickers.consistentHashBuilder().boundedLoad(1.25).build());
  }

  @ParameterizedTest
  @MethodSource("pickers")
  void chooseWhileMembershipChurns_invariantsHold(Supplier<PickerFactory> picker) throws Exception {
    List<Endpoint> stable = endpoints(4);
    Balancer balancer =
        Balancers.builder().name("stress").picker(picker.get()).endpoints(stable).build();
    // removedAt[id] = a sequence number taken after remove() returned; a call that started later
    // must never see that endpoint.
    AtomicLong clock = new AtomicLong();
    Map<String, Long> removedAt = new ConcurrentHashMap<>();
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(READERS + 1);
    List<Future<Long>> readers = new ArrayList<>();
    for (int r = 0; r < READERS; r++) {
      int reader = r;
      readers.add(
          pool.submit(
              () -> {
                start.await();
                long calls = 0;
                List<Lease> open = new ArrayList<>();
                while (!stop.get()) {
                  long startedAt = clock.get();
                  String key = "k" + (calls % 97);
                  Endpoint chosen;
                  if (calls % 2 == 0) {
                    chosen = balancer.choose(key);
                  } else {
                    Lease lease = balancer.acquire(key);
                    chosen = lease.endpoint();
                    // Keep a few leases open across membership changes, close them later.
                    open.add(lease);
                    if (open.size() > 8) {
                      Lease done = open.remove(reader % open.size());
                      if (calls % 3 == 0) {
                        done.failure();
                      } else {
                        done.success();
                      }
                      done.close();
                    }
                  }
                  Long removed = removedAt.get(chosen.id());
                  assertTrue(
                      removed == null || removed < 0 || startedAt < removed,
                      chosen
                          + " chosen by a call started at "
                          + startedAt
                          + " after removal at "
                          + removed);
                  calls++;
                }
                open.forEach(Lease::close);
                return calls;
              }));
    }
    Future<?> writer =
        pool.submit(
            () -> {
              start.await();
              for (int i = 0; i < CHANGES; i++) {
                Endpoint transient1 = endpoint(100 + i % 7);
                removedAt.put(transient1.id(), -1L);
                balancer.add(transient1);
                if (i % 5 == 0) {
                  List<Endpoint> next = new ArrayList<>(stable);
                  next.add(transient1);
                  next.add(endpoint(200));
                  removedAt.put(endpoint(200).id(), -1L);
                  balancer.setEndpoints(next);
                  balancer.setEndpoints(new ArrayList<>(next.subList(0, 5)));
                  removedAt.put(endpoint(200).id(), clock.incrementAndGet());
                }
                balancer.remove(transient1.id());
                removedAt.put(transient1.id(), clock.incrementAndGet());
              }
              return null;
            });
    start.countDown();
    writer.get(60, TimeUnit.SECONDS);
    stop.set(true);
    long total = 0;
    for (Future<Long> reader : readers) {
      total += reader.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertTrue(total > 0);
    assertEquals(stable, balancer.endpoints());
    for (EndpointState state : balancer.snapshot().endpoints()) {
      assertEquals(0, state.inFlight(), state.toString());
      assertTrue(state.inFlight() >= 0);
    }
    assertEquals(0, balancer.snapshot().totalInFlight());
  }

  @ParameterizedTest
  @MethodSource("pickers")
  void acquireWhileAllEndpointsComeAndGo_countsNeverNegative(Supplier<PickerFactory> picker)
      throws Exception {
    Balancer balancer = Balancers.builder().picker(picker.get()).build();
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    Future<Integer> reader =
        pool.submit(
            () -> {
              int unavailable = 0;
              while (!stop.get()) {
                try (Lease lease = balancer.acquire("k")) {
                  lease.success();
                } catch (NoAvailableEndpointException expected) {
                  unavailable++;
                }
              }
              return unavailable;
            });
    for (int i = 0; i < 2_000; i++) {
      balancer.setEndpoints(endpoints(1 + i % 3));
      balancer.setEndpoints(List.of());
    }
    stop.set(true);
    reader.get(60, TimeUnit.SECONDS);
    pool.shutdown();
    balancer.setEndpoints(endpoints(3));
    balancer.snapshot().endpoints().forEach(s -> assertEquals(0, s.inFlight()));
  }
}
