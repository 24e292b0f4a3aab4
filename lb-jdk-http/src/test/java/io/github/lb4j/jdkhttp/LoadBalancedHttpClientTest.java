package io.github.lb4j.jdkhttp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lb4j.Balancer;
import io.github.lb4j.Endpoint;
import io.github.lb4j.EndpointState;
import io.github.lb4j.NoAvailableEndpointException;
import io.github.lb4j.NoAvailableEndpointIOException;
import io.github.lb4j.PickerFactory;
import io.github.lb4j.core.Balancers;
import io.github.lb4j.core.Pickers;
import io.github.lb4j.retry.RetryBudget;
import io.github.lb4j.testing.FakeClock;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30) // a hang guard only
final class LoadBalancedHttpClientTest {
  private final List<AutoCloseable> closing = new ArrayList<>();
  private final CountDownLatch release = new CountDownLatch(1);
  private Balancer balancer;

  @AfterEach
  void tearDown() throws Exception {
    release.countDown();
    for (AutoCloseable c : closing) {
      c.close();
    }
    if (balancer != null) {
      balancer.close();
    }
  }

  private TestServer answering(String name, int status) throws IOException {
    TestServer server = TestServer.answering(name, status);
    closing.add(server);
    return server;
  }

  private TestServer start(String name, TestServer.Answer answer) throws IOException {
    TestServer server = TestServer.start(name, answer);
    closing.add(server);
    return server;
  }

  private Balancer balancer(PickerFactory picker, Endpoint... endpoints) {
    balancer = Balancers.builder().name("workers").picker(picker).endpoints(endpoints).build();
    return balancer;
  }

  private LoadBalancedHttpClient.Builder builder() {
    return LoadBalancedHttpClient.builder(balancer).logicalHost("workers");
  }

  private static HttpRequest get(String uri) {
    return HttpRequest.newBuilder(URI.create(uri)).build();
  }

  private static String body(HttpClient client, HttpRequest request) throws Exception {
    HttpResponse<String> r = client.send(request, BodyHandlers.ofString());
    return r.body();
  }

  private EndpointState state(String id) {
    return balancer.snapshot().endpoint(id).orElseThrow();
  }

  private void assertNothingInFlight() {
    assertEquals(0, balancer.snapshot().totalInFlight(), "in flight");
  }

  @Test
  void send_logicalHost_goesToTheChosenEndpointWithPathQueryAndBasePath() throws Exception {
    TestServer a = answering("a", 200);
    TestServer b = answering("b", 200);
    balancer(
        Pickers.roundRobin(),
        a.endpoint(),
        Endpoint.of("b", URI.create("http://127.0.0.1:" + b.port() + "/api/")));
    HttpClient client = builder().build();

    assertEquals("a 200", body(client, get("http://workers/tile?x=3&y=4")));
    assertEquals("b 200", body(client, get("http://WORKERS:8080/tile?x=5")));

    assertEquals(List.of("GET /tile?x=3&y=4"), a.requests);
    assertEquals(List.of("GET /api/tile?x=5"), b.requests);
    assertEquals(1, state("a").successes());
    assertEquals(1, state("b").successes());
    assertNothingInFlight();
  }

  @Test
  void send_loadReportHeader_reachesTheBalancer_malformedOneIsCounted() throws Exception {
    TestServer reporting =
        start(
            "r",
            exchange -> {
              exchange
                  .getResponseHeaders()
                  .set(
                      io.github.lb4j.LoadReport.HEADER,
                      "TEXT cpu_utilization=0.25, rps_fractional=40");
              TestServer.respond(exchange, 200, "r");
            });
    TestServer lying =
        start(
            "l",
            exchange -> {
              exchange.getResponseHeaders().set(io.github.lb4j.LoadReport.HEADER, "TEXT cpu=");
              TestServer.respond(exchange, 200, "l");
            });
    balancer(Pickers.roundRobin(), reporting.endpoint(), lying.endpoint());
    HttpClient client = builder().build();

    assertEquals("r", body(client, get("http://workers/")));
    assertEquals("l", body(client, get("http://workers/")));

    assertEquals(0.25, state("r").loadReport().cpuUtilization());
    assertEquals(40, state("r").loadReport().rps());
    assertEquals(null, state("l").loadReport());
    assertEquals(1, state("l").malformedLoadReports());
    assertEquals(1, state("l").successes());
    assertNothingInFlight();
  }

  @Test
  void send_otherHost_passesThroughUnbalanced() throws Exception {
    TestServer a = answering("a", 200);
    balancer(Pickers.roundRobin(), a.endpoint());
    HttpClient client = builder().build();

    assertEquals("a 200", body(client, get("http://127.0.0.1:" + a.port() + "/direct")));

    assertEquals(0, state("a").completed());
  }

  @Test
  void send_connectRefused_failsOverEvenForPost() throws Exception {
    TestServer b = answering("b", 200);
    balancer(Pickers.roundRobin(), TestServer.refusing("dead"), b.endpoint());
    HttpClient client = builder().build();

    HttpRequest post =
        HttpRequest.newBuilder(URI.create("http://workers/jobs"))
            .POST(BodyPublishers.ofString("job"))
            .build();
    assertEquals("b 200", body(client, post));

    assertEquals(1, state("dead").failures());
    assertEquals(1, state("b").successes());
    assertNothingInFlight();
  }

  @Test
  void send_connectRefusedWithAStreamBody_isNotRetried() throws Exception {
    TestServer b = answering("b", 200);
    balancer(Pickers.roundRobin(), TestServer.refusing("dead"), b.endpoint());
    HttpClient client = builder().build();

    HttpRequest put =
        HttpRequest.newBuilder(URI.create("http://workers/jobs/1"))
            .PUT(BodyPublishers.ofInputStream(() -> InputStream.nullInputStream()))
            .build();
    IOException e = assertThrows(IOException.class, () -> body(client, put));

    assertInstanceOf(ConnectException.class, e);
    assertEquals(List.of(), b.requests, "a one-shot body is never sent twice");
    assertNothingInFlight();
  }

  @Test
  void send_503ForGet_retriedOnAnotherEndpoint_postIsNot() throws Exception {
    TestServer a = answering("a", 503);
    TestServer b = answering("b", 200);
    balancer(Pickers.roundRobin(), a.endpoint(), b.endpoint());
    HttpClient client = builder().build();

    assertEquals("b 200", body(client, get("http://workers/")));
    HttpRequest post =
        HttpRequest.newBuilder(URI.create("http://workers/"))
            .POST(BodyPublishers.ofString("x"))
            .build();
    assertEquals("a 503", body(client, post), "POST is not idempotent");

    assertEquals(2, state("a").failures());
    assertEquals(1, state("b").successes());
    assertNothingInFlight();
  }

  @Test
  void send_500_isAFailureButNotRetried() throws Exception {
    TestServer a = answering("a", 500);
    answering("b", 200);
    balancer(Pickers.roundRobin(), a.endpoint());
    HttpClient client = builder().build();

    assertEquals("a 500", body(client, get("http://workers/")));

    assertEquals(1, state("a").failures());
    assertNothingInFlight();
  }

  @Test
  void send_failureStatuses_configurable() throws Exception {
    TestServer a = answering("a", 404);
    balancer(Pickers.roundRobin(), a.endpoint());
    HttpClient client = builder().failureStatuses(code -> code >= 400).build();

    body(client, get("http://workers/"));

    assertEquals(1, state("a").failures());
  }

  @Test
  void send_totalOutage_retriesStayWithinTheBudget() throws Exception {
    TestServer a = answering("a", 503);
    TestServer b = answering("b", 503);
    TestServer c = answering("c", 503);
    balancer(Pickers.roundRobin(), a.endpoint(), b.endpoint(), c.endpoint());
    // Ten retries saved up, 0.2 earned per request, no time passes: at most 10 + 100 * 0.2.
    FakeClock clock = new FakeClock();
    HttpClient client =
        builder()
            .retryBudget(RetryBudget.ofRatio(0.2).minRetriesPerSecond(1).ticker(clock).build())
            .build();

    for (int i = 0; i < 100; i++) {
      assertTrue(body(client, get("http://workers/")).endsWith(" 503"));
    }

    int retries = a.requests.size() + b.requests.size() + c.requests.size() - 100;
    assertTrue(retries <= 30, "retries " + retries + " (expected: <= 30)");
    assertTrue(retries >= 20, "retries " + retries + " (expected: the budget to be used)");
    assertNothingInFlight();
  }

  @Test
  void send_streamingBody_holdsTheEndpointUntilTheBodyIsRead() throws Exception {
    CountDownLatch firstPartSent = new CountDownLatch(1);
    TestServer a =
        start(
            "a",
            exchange -> {
              exchange.sendResponseHeaders(200, 0); // chunked
              OutputStream out = exchange.getResponseBody();
              out.write("first,".getBytes(StandardCharsets.UTF_8));
              out.flush();
              firstPartSent.countDown();
              release.await();
              out.write("second".getBytes(StandardCharsets.UTF_8));
              out.close();
            });
    balancer(Pickers.roundRobin(), a.endpoint());
    HttpClient client = builder().build();

    HttpResponse<InputStream> r =
        client.send(get("http://workers/stream"), BodyHandlers.ofInputStream());
    firstPartSent.await();
    InputStream in = r.body();
    assertEquals('f', in.read());
    assertEquals(1, state("a").inFlight(), "in flight while the body streams");
    assertEquals(0, state("a").completed());

    release.countDown();
    assertEquals("irst,second", new String(in.readAllBytes(), StandardCharsets.UTF_8));
    in.close();

    assertEquals(0, state("a").inFlight());
    assertEquals(1, state("a").successes());
  }

  @Test
  void send_streamingBodyClosedEarly_releasesTheEndpoint() throws Exception {
    TestServer a =
        start(
            "a",
            exchange -> {
              exchange.sendResponseHeaders(200, 0);
              OutputStream out = exchange.getResponseBody();
              out.write("partial".getBytes(StandardCharsets.UTF_8));
              out.flush();
              release.await();
            });
    balancer(Pickers.roundRobin(), a.endpoint());
    HttpClient client = builder().build();

    HttpResponse<InputStream> r = client.send(get("http://workers/"), BodyHandlers.ofInputStream());
    assertEquals(1, state("a").inFlight());
    r.body().close();

    // The JDK cancels the body's subscription in close() once it has one; when it has not
    // subscribed yet, it cancels on subscribing, on one of its own threads, a moment later.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (state("a").inFlight() != 0 && System.nanoTime() < deadline) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
    assertEquals(0, state("a").inFlight());
    assertEquals(1, state("a").successes(), "the endpoint answered; the caller stopped reading");
  }

  @Test
  void sendAsync_cancelled_releasesTheLeaseAndReportsNothing() throws Exception {
    CountDownLatch received = new CountDownLatch(1);
    TestServer a =
        start(
            "a",
            exchange -> {
              received.countDown();
              release.await();
              TestServer.respond(exchange, 200, "late");
            });
    balancer(Pickers.roundRobin(), a.endpoint());
    HttpClient client = builder().build();

    CompletableFuture<HttpResponse<String>> f =
        client.sendAsync(get("http://workers/slow"), BodyHandlers.ofString());
    received.await();
    assertEquals(1, state("a").inFlight());
    assertTrue(f.cancel(true));

    assertEquals(0, state("a").inFlight());
    assertEquals(0, state("a").completed(), "a cancelled call says nothing about the endpoint");
    assertThrows(CancellationException.class, f::join);
  }

  @Test
  void send_noEndpoint_throwsIOException_sendAsyncFailsWithIt() throws Exception {
    balancer(Pickers.roundRobin());
    HttpClient client = builder().build();

    NoAvailableEndpointIOException e =
        assertThrows(
            NoAvailableEndpointIOException.class, () -> body(client, get("http://workers/")));
    assertEquals("workers", e.balancerName());
    assertInstanceOf(NoAvailableEndpointException.class, e.getCause());
    assertEquals("balancer 'workers': no endpoint available: no endpoints", e.getMessage());

    CompletableFuture<HttpResponse<String>> f =
        client.sendAsync(get("http://workers/"), BodyHandlers.ofString());
    ExecutionException async =
        assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
    assertInstanceOf(NoAvailableEndpointIOException.class, async.getCause());
  }

  @Test
  void send_affinityKey_sticksToOneEndpointAndRetriesMoveOff() throws Exception {
    TestServer a = answering("a", 200);
    TestServer b = answering("b", 200);
    TestServer c = answering("c", 200);
    balancer(Pickers.consistentHash(), a.endpoint(), b.endpoint(), c.endpoint());
    HttpClient client = builder().affinityHeader("X-Affinity-Key").build();

    String first =
        body(client, LoadBalancedHttpClient.withAffinityKey(get("http://workers/"), "user-7"));
    for (int i = 0; i < 5; i++) {
      assertEquals(
          first,
          body(client, LoadBalancedHttpClient.withAffinityKey(get("http://workers/"), "user-7")));
      HttpRequest viaHeader =
          HttpRequest.newBuilder(URI.create("http://workers/"))
              .header("X-Affinity-Key", "user-7")
              .build();
      assertEquals(first, body(client, viaHeader));
    }
    assertEquals(11, a.requests.size() + b.requests.size() + c.requests.size());
    assertTrue(
        List.of(a, b, c).stream().anyMatch(s -> s.requests.size() == 11),
        "every keyed request went to one endpoint");
  }

  @Test
  void send_maxAttemptsOne_neverRetries() throws Exception {
    TestServer a = answering("a", 503);
    TestServer b = answering("b", 200);
    balancer(Pickers.roundRobin(), a.endpoint(), b.endpoint());
    HttpClient client = builder().maxAttempts(1).build();

    assertEquals("a 503", body(client, get("http://workers/")));
    assertEquals(List.of(), b.requests);
  }

  @Test
  void sendAsync_retryAfter502_completesWithTheOtherEndpointsAnswer() throws Exception {
    TestServer a = answering("a", 502);
    TestServer b = answering("b", 200);
    balancer(Pickers.roundRobin(), a.endpoint(), b.endpoint());
    HttpClient client = builder().build();

    HttpResponse<String> r =
        client.sendAsync(get("http://workers/"), BodyHandlers.ofString()).get(10, TimeUnit.SECONDS);

    assertEquals(200, r.statusCode());
    assertEquals("b 200", r.body());
    assertEquals(1, state("a").failures());
    assertNothingInFlight();
  }
}
