package io.github.lb4j.scatter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.github.lb4j.Balancer;
import io.github.lb4j.Endpoint;
import io.github.lb4j.Lease;
import io.github.lb4j.LoadReport;
import io.github.lb4j.core.Balancers;
import io.github.lb4j.core.Pickers;
import io.github.lb4j.testing.FakeClock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A transport that takes the attempt's lease hands the endpoints' load reports in through it. */
@Timeout(10)
final class TransportLeaseTest {
  static final String A = "http://a:1";
  static final String B = "http://b:1";

  final FakeClock clock = new FakeClock();
  final Balancer balancer =
      Balancers.builder()
          .name("test")
          .endpoints(A, B)
          .picker(Pickers.roundRobin())
          .ticker(clock)
          .build();

  @AfterEach
  void close() {
    balancer.close();
  }

  @Test
  void send_withALease_handsTheEndpointsLoadHeaderToTheBalancer() throws Exception {
    List<String> leased = new CopyOnWriteArrayList<>();
    Transport<String, String> transport =
        new Transport<>() {
          @Override
          public CompletableFuture<String> send(Endpoint endpoint, String input) {
            throw new AssertionError("scatter-gather sends with the lease");
          }

          @Override
          public CompletableFuture<String> send(Lease lease, String input) {
            leased.add(lease.endpoint().id());
            String header = lease.endpoint().id().equals(A) ? "TEXT rps_fractional=7" : "JSON {}";
            lease.reportLoadHeader(header); // B's is malformed: counted, never thrown
            return CompletableFuture.completedFuture(input + "@" + lease.endpoint().id());
          }
        };
    List<String> results =
        ScatterGather.builder(balancer, transport, clock)
            .ticker(clock)
            .build()
            .execute(List.of(Task.keyed("k0", "t0"), Task.keyed("k1", "t1")))
            .get();
    assertEquals(List.of("t0@" + A, "t1@" + B), results);
    assertEquals(List.of(A, B), leased);
    LoadReport a = balancer.snapshot().endpoint(A).orElseThrow().loadReport();
    assertEquals(LoadReport.parse("TEXT rps_fractional=7"), a);
    assertNull(balancer.snapshot().endpoint(B).orElseThrow().loadReport());
    assertEquals(1, balancer.snapshot().endpoint(B).orElseThrow().malformedLoadReports());
    assertEquals(0, balancer.snapshot().totalInFlight());
  }

  @Test
  void send_withALease_byDefaultSendsToItsEndpoint() throws Exception {
    List<String> sent = new CopyOnWriteArrayList<>();
    Transport<String, String> plain =
        (endpoint, input) -> {
          sent.add(endpoint.id());
          return CompletableFuture.completedFuture(input);
        };
    try (Lease lease = balancer.acquire()) {
      assertEquals("x", plain.send(lease, "x").get());
      assertEquals(List.of(lease.endpoint().id()), sent);
    }
  }
}
