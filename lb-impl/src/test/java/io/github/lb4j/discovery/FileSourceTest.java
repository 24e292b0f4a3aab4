package io.github.lb4j.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lb4j.Balancer;
import io.github.lb4j.Endpoint;
import io.github.lb4j.Lease;
import io.github.lb4j.core.Balancers;
import io.github.lb4j.core.Pickers;
import io.github.lb4j.testing.FakeClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

// Subscriptions are opened in try-with-resources only to be closed; the body rarely names them.
@SuppressWarnings("try")
final class FileSourceTest {
  private static final Duration POLL = Duration.ofSeconds(2);

  @TempDir Path dir;
  private final FakeClock clock = new FakeClock();

  private Path write(String text) throws IOException {
    // Written beside and moved into place, as the documentation asks.
    Path file = dir.resolve("endpoints.txt");
    Path tmp = dir.resolve("endpoints.tmp");
    Files.writeString(tmp, text);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return file;
  }

  private EndpointSource source(Path file, boolean removeOnEmpty) {
    return Discovery.file(file)
        .pollInterval(POLL)
        .removeOnEmpty(removeOnEmpty)
        .scheduler(clock.scheduler())
        .ticker(clock)
        .build();
  }

  private static Map<String, Integer> weights(Balancer balancer) {
    return balancer.endpoints().stream().collect(Collectors.toMap(Endpoint::id, Endpoint::weight));
  }

  @Test
  void subscribe_commentsWeightsAndBlankLines_parsedBeforeReturning() throws IOException {
    Path file =
        write(
            "# workers\n\nhttp://127.0.0.1:8081\n  http://127.0.0.1:8082   3  # bigger\r\n"
                + "https://[::1]:8443 2\n");
    List<List<Endpoint>> sets = new ArrayList<>();
    try (Subscription s = source(file, false).subscribe(sets::add)) {
      assertEquals(1, sets.size());
      List<Endpoint> set = sets.get(0);
      assertEquals(
          List.of("http://127.0.0.1:8081", "http://127.0.0.1:8082", "https://[::1]:8443"),
          set.stream().map(Endpoint::id).toList());
      assertEquals(List.of(1, 3, 2), set.stream().map(Endpoint::weight).toList());
      assertEquals(List.of(POLL), clock.pendingDelays());
    }
  }

  @Test
  void poll_fileChanged_membershipFollowsAndKeepsInFlight() throws IOException {
    Path file = write("http://127.0.0.1:8081\nhttp://127.0.0.1:8082\n");
    Balancer balancer = Balancers.builder().name("files").picker(Pickers.leastConnection()).build();
    try (Subscription s = Discovery.bind(source(file, false), balancer)) {
      assertEquals(
          Map.of("http://127.0.0.1:8081", 1, "http://127.0.0.1:8082", 1), weights(balancer));
      Lease lease = balancer.acquire();
      String held = lease.endpoint().id();

      write("http://127.0.0.1:8081 5\nhttp://127.0.0.1:8082 5\nhttp://127.0.0.1:8083\n");
      clock.advance(POLL.minusMillis(1));
      assertEquals(2, balancer.endpoints().size(), "not before the poll interval");
      clock.advance(Duration.ofMillis(1));
      assertEquals(
          Map.of(
              "http://127.0.0.1:8081", 5, "http://127.0.0.1:8082", 5, "http://127.0.0.1:8083", 1),
          weights(balancer));
      assertEquals(1, inFlight(balancer, held), "the lease survives the refresh");
      lease.close();
      assertEquals(0, inFlight(balancer, held));
    } finally {
      balancer.close();
    }
  }

  @Test
  void poll_oneEndpointLeaves_consistentHashKeepsTheOtherKeys() throws IOException {
    Path file = write("http://127.0.0.1:8083\nhttp://127.0.0.1:8081\nhttp://127.0.0.1:8082\n");
    Balancer balancer = Balancers.builder().picker(Pickers.consistentHash()).build();
    try (Subscription s = Discovery.bind(source(file, false), balancer)) {
      Map<String, String> before = new java.util.HashMap<>();
      for (int i = 0; i < 1000; i++) {
        before.put("key-" + i, balancer.choose("key-" + i).id());
      }
      // Listed in another order, and 8082 gone.
      write("http://127.0.0.1:8081\nhttp://127.0.0.1:8083\n");
      clock.advance(POLL);
      assertEquals(2, balancer.endpoints().size());
      int moved = 0;
      for (Map.Entry<String, String> e : before.entrySet()) {
        String now = balancer.choose(e.getKey()).id();
        if (!e.getValue().equals("http://127.0.0.1:8082")) {
          assertEquals(e.getValue(), now, e.getKey() + " was on a member that stayed");
        } else {
          moved++;
        }
      }
      assertTrue(moved > 0, "the keys of the endpoint that left moved");
    } finally {
      balancer.close();
    }
  }

  private static int inFlight(Balancer balancer, String id) {
    return balancer.snapshot().endpoints().stream()
        .filter(e -> e.endpoint().id().equals(id))
        .findFirst()
        .orElseThrow()
        .inFlight();
  }

  @Test
  void poll_badLineOrMissingFile_keepsLastGoodSet() throws IOException {
    Path file = write("http://127.0.0.1:8081\n");
    List<List<Endpoint>> sets = new ArrayList<>();
    try (Subscription s = source(file, false).subscribe(sets::add)) {
      write("http://127.0.0.1:8081\nnot a url\n");
      clock.advance(POLL);
      write("http://127.0.0.1:8081 0\n");
      clock.advance(POLL);
      write("http://127.0.0.1:8081\nhttp://127.0.0.1:8081 2\n");
      clock.advance(POLL);
      Files.delete(file);
      clock.advance(POLL);
      assertEquals(1, sets.size(), "no failure delivered anything: " + sets);
      assertEquals(List.of(POLL), clock.pendingDelays(), "still polling");

      write("http://127.0.0.1:8082\n");
      clock.advance(POLL);
      assertEquals(2, sets.size());
      assertEquals("http://127.0.0.1:8082", sets.get(1).get(0).id());
    }
  }

  @Test
  void poll_unchangedFile_deliversNothingNew() throws IOException {
    Path file = write("http://127.0.0.1:8081\n");
    List<List<Endpoint>> sets = new ArrayList<>();
    try (Subscription s = source(file, false).subscribe(sets::add)) {
      write("# reordered, same endpoints\nhttp://127.0.0.1:8081  1\n");
      clock.advance(POLL.multipliedBy(3));
      assertEquals(1, sets.size());
    }
  }

  @Test
  void poll_emptyFile_keepsSetUnlessRemoveOnEmpty() throws IOException {
    Path file = write("http://127.0.0.1:8081\n");
    List<List<Endpoint>> kept = new ArrayList<>();
    List<List<Endpoint>> removed = new ArrayList<>();
    try (Subscription a = source(file, false).subscribe(kept::add);
        Subscription b = source(file, true).subscribe(removed::add)) {
      write("# nothing here\n");
      clock.advance(POLL);
      assertEquals(1, kept.size());
      assertEquals(2, removed.size());
      assertTrue(removed.get(1).isEmpty());
    }
  }

  @Test
  void close_stopsPolling() throws IOException {
    Path file = write("http://127.0.0.1:8081\n");
    List<List<Endpoint>> sets = new ArrayList<>();
    Subscription s = source(file, false).subscribe(sets::add);
    s.close();
    s.close();
    write("http://127.0.0.1:8082\n");
    clock.advance(POLL.multipliedBy(5));
    s.refresh();
    assertEquals(1, sets.size());
    assertEquals(List.of(), clock.pendingDelays());
  }

  @Test
  void close_ownSchedulerThread_stops() throws Exception {
    Path file = write("http://127.0.0.1:8081\n");
    Subscription s =
        Discovery.file(file).pollInterval(Duration.ofMillis(10)).build().subscribe(set -> {});
    List<Thread> threads = discoveryThreads();
    assertEquals(1, threads.size(), "the subscription's thread, started by the first schedule");
    s.close();
    threads.get(0).join(Duration.ofSeconds(20).toMillis());
    assertFalse(threads.get(0).isAlive(), "the subscription's thread ends when it closes");
  }

  private static List<Thread> discoveryThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("lb4j-discovery file:") && t.isAlive())
        .toList();
  }
}
