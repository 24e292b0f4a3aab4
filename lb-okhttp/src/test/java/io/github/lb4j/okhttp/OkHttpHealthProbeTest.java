package io.github.lb4j.okhttp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lb4j.Balancer;
import io.github.lb4j.BalancerListener;
import io.github.lb4j.Endpoint;
import io.github.lb4j.HealthState;
import io.github.lb4j.core.Balancers;
import io.github.lb4j.testing.FakeClock;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The OkHttp probe against a real server, alone and under a balancer's health checker. */
// Subscriptions and balancers are opened in try-with-resources only to be closed.
@SuppressWarnings("try")
@Timeout(30)
final class OkHttpHealthProbeTest {
  private final OkHttpClient client =
      new OkHttpClient.Builder()
          .addInterceptor(
              chain ->
                  chain.proceed(chain.request().newBuilder().header("X-Client", "mine").build()))
          .build();
  private MockWebServer server;

  @AfterEach
  void tearDown() throws IOException {
    if (server != null) {
      server.shutdown();
    }
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }

  private Endpoint start(MockResponse... answers) throws IOException {
    server = new MockWebServer();
    for (MockResponse answer : answers) {
      server.enqueue(answer);
    }
    server.start(java.net.InetAddress.getByName("127.0.0.1"), 0);
    return Endpoint.of("http://127.0.0.1:" + server.getPort() + "/api");
  }

  /** The probe's outcome: true, or the failure it completed with. */
  private static Object outcome(OkHttpHealthProbe probe, Endpoint endpoint) throws Exception {
    try {
      return probe.probe(endpoint).toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    }
  }

  @Test
  void probe_2xx_healthyThroughTheGivenClient() throws Exception {
    Endpoint endpoint = start(new MockResponse().setResponseCode(200));
    OkHttpHealthProbe probe = OkHttpHealthProbe.of(client, "/ready?deep=false");

    assertEquals(true, outcome(probe, endpoint));
    RecordedRequest request = server.takeRequest();
    assertEquals("GET /ready?deep=false HTTP/1.1", request.getRequestLine());
    assertEquals("lb4j-health-check", request.getHeader("User-Agent"));
    assertEquals("mine", request.getHeader("X-Client"), "the client's interceptors apply");
    assertEquals("OkHttp GET /ready?deep=false", probe.toString());
  }

  @Test
  void probe_5xx_failsNamingStatusAndUrl() throws Exception {
    Endpoint endpoint = start(new MockResponse().setResponseCode(503));
    IOException e =
        assertInstanceOf(
            IOException.class, outcome(OkHttpHealthProbe.of(client, "/health"), endpoint));
    assertEquals("HTTP 503 from http://127.0.0.1:" + server.getPort() + "/health", e.getMessage());
  }

  @Test
  void probe_redirect_notFollowedEvenByAClientThatFollows() throws Exception {
    Endpoint endpoint =
        start(
            new MockResponse().setResponseCode(302).setHeader("Location", "/elsewhere"),
            new MockResponse().setResponseCode(200));
    IOException e =
        assertInstanceOf(
            IOException.class, outcome(OkHttpHealthProbe.of(client, "/health"), endpoint));
    assertEquals("HTTP 302 from http://127.0.0.1:" + server.getPort() + "/health", e.getMessage());
    assertEquals(1, server.getRequestCount());
    assertTrue(client.followRedirects(), "the given client is not changed");
  }

  @Test
  void cancel_cancelsTheCall() throws Exception {
    Endpoint endpoint = start(new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE));
    CompletableFuture<Boolean> f =
        OkHttpHealthProbe.of(client, "/health").probe(endpoint).toCompletableFuture();
    server.takeRequest();
    assertEquals(1, client.dispatcher().runningCallsCount());

    f.cancel(true);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (client.dispatcher().runningCallsCount() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertEquals(0, client.dispatcher().runningCallsCount(), "the call was cancelled");
  }

  @Test
  void healthCheck_withThisProbe_takesAFailingEndpointOut() throws Exception {
    Endpoint endpoint = start(new MockResponse().setResponseCode(500));
    FakeClock clock = new FakeClock();
    BlockingQueue<String> changes = new LinkedBlockingQueue<>();
    try (Balancer balancer =
        Balancers.builder()
            .endpoints(endpoint)
            .ticker(clock)
            .scheduler(clock)
            .listener(
                new BalancerListener() {
                  @Override
                  public void onHealthChanged(
                      Balancer b, Endpoint e, HealthState from, HealthState to, String reason) {
                    changes.add(to + ": " + reason);
                  }
                })
            .healthCheck(
                h ->
                    h.unhealthyThreshold(1)
                        .jitter(0)
                        .timeout(Duration.ofSeconds(5))
                        .probe(OkHttpHealthProbe.of(client, "/health")))
            .build()) {
      clock.runDue(); // the first probe goes out; its answer comes on an OkHttp thread
      assertEquals(
          "UNHEALTHY: 1 consecutive failed probe (last: IOException: HTTP 500 from http://127.0.0.1:"
              + server.getPort()
              + "/health)",
          changes.poll(20, TimeUnit.SECONDS));
    }
  }

  @Test
  void of_badArguments_rejectedWithMessage() {
    assertEquals(
        "client",
        assertThrows(NullPointerException.class, () -> OkHttpHealthProbe.of(null, "/health"))
            .getMessage());
    assertEquals(
        "path: 'health' (expected: an absolute path without spaces, e.g. /health)",
        assertThrows(IllegalArgumentException.class, () -> OkHttpHealthProbe.of(client, "health"))
            .getMessage());
  }
}
