package io.github.lb4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lb4j.Endpoint;
import io.github.lb4j.HealthProbe;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The built-in probe on the JDK's client against a real server: verdicts, redirects, timeouts. */
@Timeout(30)
final class HttpHealthProbeTest {
  private final MockWebServer server = new MockWebServer();
  private Endpoint endpoint;

  @BeforeEach
  void start() throws IOException {
    server.start(InetAddress.getByName("127.0.0.1"), 0);
    endpoint = Endpoint.of("http://127.0.0.1:" + server.getPort());
  }

  @AfterEach
  void stop() throws IOException {
    server.shutdown();
  }

  private static HttpHealthProbe probe(HealthCheckBuilder config) {
    return (HttpHealthProbe) config.newProbe();
  }

  /** The probe's outcome: true, or the failure it completed with. */
  private static Object outcome(HealthProbe probe, Endpoint endpoint) throws Exception {
    CompletableFuture<Boolean> f = probe.probe(endpoint).toCompletableFuture();
    try {
      return f.get(20, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      return cause instanceof java.util.concurrent.CompletionException ? cause.getCause() : cause;
    }
  }

  @Test
  void probe_2xx_healthyWithItsUserAgentOnThePath() throws Exception {
    server.enqueue(new MockResponse().setResponseCode(204));
    HttpHealthProbe probe = probe(new HealthCheckBuilder().path("/ready?deep=false"));

    assertEquals(true, outcome(probe, endpoint));
    RecordedRequest request = server.takeRequest();
    assertEquals("GET /ready?deep=false HTTP/1.1", request.getRequestLine());
    assertEquals("lb4j-health-check", request.getHeader("User-Agent"));
    assertEquals(null, request.getHeader("Upgrade"), "plain HTTP/1.1, no h2c upgrade");
    probe.close();
  }

  @Test
  void probe_5xx_failsNamingStatusAndUrl() throws Exception {
    server.enqueue(new MockResponse().setResponseCode(503));
    HttpHealthProbe probe = probe(new HealthCheckBuilder());

    IOException e = assertInstanceOf(IOException.class, outcome(probe, endpoint));
    assertEquals("HTTP 503 from " + endpoint.address().resolve("/health"), e.getMessage());
  }

  @Test
  void probe_redirect_notFollowedAndUnhealthy() throws Exception {
    server.enqueue(new MockResponse().setResponseCode(302).setHeader("Location", "/elsewhere"));
    server.enqueue(new MockResponse().setResponseCode(200));
    HttpHealthProbe probe = probe(new HealthCheckBuilder());

    IOException e = assertInstanceOf(IOException.class, outcome(probe, endpoint));
    assertEquals("HTTP 302 from " + endpoint.address().resolve("/health"), e.getMessage());
    assertEquals(1, server.getRequestCount(), "the redirect was not followed");
  }

  @Test
  void probe_userClientFollowingRedirects_usedButTheVerdictIsOnTheFirstAnswer() throws Exception {
    server.enqueue(new MockResponse().setResponseCode(301).setHeader("Location", "/elsewhere"));
    server.enqueue(new MockResponse().setResponseCode(200));
    HttpClient mine = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.ALWAYS).build();
    HttpHealthProbe probe = probe(new HealthCheckBuilder().httpClient(mine));

    IOException e = assertInstanceOf(IOException.class, outcome(probe, endpoint));
    assertEquals("HTTP 301 from " + endpoint.address().resolve("/health"), e.getMessage());
    server.takeRequest();
    assertEquals("/elsewhere", server.takeRequest().getPath(), "the user's client followed");
    probe.close(); // leaves the user's client usable
    server.enqueue(new MockResponse().setResponseCode(200));
    assertEquals(true, outcome(probe(new HealthCheckBuilder().httpClient(mine)), endpoint));
  }

  @Test
  void probe_answerSlowerThanTheTimeout_failsWithTimeoutSoonAfterIt() throws Exception {
    server.enqueue(new MockResponse().setHeadersDelay(2, TimeUnit.SECONDS));
    HttpHealthProbe probe = probe(new HealthCheckBuilder().timeout(Duration.ofMillis(200)));

    long start = System.nanoTime();
    assertInstanceOf(HttpTimeoutException.class, outcome(probe, endpoint));
    long took = System.nanoTime() - start;
    assertTrue(took < TimeUnit.MILLISECONDS.toNanos(1500), "took " + Duration.ofNanos(took));
  }

  @Test
  void probe_connectionRefused_failsSayingSo() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      closedPort = socket.getLocalPort();
    }
    HttpHealthProbe probe = probe(new HealthCheckBuilder());

    Endpoint closed = Endpoint.of("http://127.0.0.1:" + closedPort);
    IOException e = assertInstanceOf(IOException.class, outcome(probe, closed));
    assertEquals("ConnectException on GET " + closed.address().resolve("/health"), e.getMessage());
    assertInstanceOf(ConnectException.class, e.getCause());
  }

  @Test
  void close_cancelsProbesInFlight() throws Exception {
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE));
    HttpHealthProbe probe = probe(new HealthCheckBuilder().timeout(Duration.ofSeconds(20)));
    CompletableFuture<Boolean> f = probe.probe(endpoint).toCompletableFuture();
    server.takeRequest();

    probe.close();
    assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
  }

  @Test
  void httpClient_null_rejectedNamingIt() {
    assertEquals(
        "client",
        assertThrows(NullPointerException.class, () -> new HealthCheckBuilder().httpClient(null))
            .getMessage());
  }
}
