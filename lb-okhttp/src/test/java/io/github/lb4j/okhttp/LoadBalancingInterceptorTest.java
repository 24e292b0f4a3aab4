package io.github.lb4j.okhttp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lb4j.Balancer;
import io.github.lb4j.Endpoint;
import io.github.lb4j.EndpointState;
import io.github.lb4j.NoAvailableEndpointException;
import io.github.lb4j.NoAvailableEndpointIOException;
import io.github.lb4j.core.Balancers;
import io.github.lb4j.core.Pickers;
import io.github.lb4j.retry.RetryBudget;
import io.github.lb4j.testing.FakeClock;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;
import okio.BufferedSink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

final class LoadBalancingInterceptorTest {
  private static final MediaType TEXT = MediaType.get("text/plain");

  private final List<MockWebServer> servers = new ArrayList<>();
  private final List<OkHttpClient> clients = new ArrayList<>();
  private final FakeClock ticker = new FakeClock();
  private Balancer balancer;

  @AfterEach
  void tearDown() throws IOException {
    for (OkHttpClient client : clients) {
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    }
    if (balancer != null) {
      balancer.close();
    }
    for (MockWebServer server : servers) {
      server.shutdown();
    }
  }

  /** A server on 127.0.0.1 that answers every request with {@code answer}. */
  private MockWebServer server(Function<RecordedRequest, MockResponse> answer) throws IOException {
    MockWebServer server = TestServers.start(answer);
    servers.add(server);
    return server;
  }

  /** A server that answers 200 with its own name. */
  private MockWebServer named(String name) throws IOException {
    return server(r -> new MockResponse().setBody(name));
  }

  private MockWebServer answering(int status) throws IOException {
    return server(r -> new MockResponse().setResponseCode(status).setBody("status " + status));
  }

  /** {@code count} servers that each answer every request with {@code status}. */
  private MockWebServer[] answering(int status, int count) throws IOException {
    MockWebServer[] answering = new MockWebServer[count];
    for (int i = 0; i < count; i++) {
      answering[i] = answering(status);
    }
    return answering;
  }

  /** The address of a port nothing listens on any more: connecting is refused. */
  private static Endpoint deadEndpoint() throws IOException {
    MockWebServer dead = new MockWebServer();
    dead.start(InetAddress.getByName("127.0.0.1"), 0);
    Endpoint endpoint = endpoint(dead);
    dead.shutdown();
    return endpoint;
  }

  private static Endpoint endpoint(MockWebServer server) {
    return Endpoint.of("http://127.0.0.1:" + server.getPort());
  }

  private Balancer balancer(io.github.lb4j.PickerFactory picker, Endpoint... endpoints) {
    balancer = Balancers.builder().name("workers").picker(picker).endpoints(endpoints).build();
    return balancer;
  }

  /** A round-robin balancer over {@code servers}, in this order. */
  private Balancer roundRobin(MockWebServer... servers) {
    Endpoint[] endpoints = new Endpoint[servers.length];
    for (int i = 0; i < servers.length; i++) {
      endpoints[i] = endpoint(servers[i]);
    }
    return balancer(Pickers.roundRobin(), endpoints);
  }

  private OkHttpClient client(LoadBalancingInterceptor.Builder builder) {
    OkHttpClient client = new OkHttpClient.Builder().addInterceptor(builder.build()).build();
    clients.add(client);
    return client;
  }

  private OkHttpClient client() {
    return client(LoadBalancingInterceptor.builder(balancer).logicalHost("workers"));
  }

  private static String get(OkHttpClient client, String url) throws IOException {
    try (Response response = client.newCall(new Request.Builder().url(url).build()).execute()) {
      return response.code() + " " + response.body().string();
    }
  }

  private EndpointState state(MockWebServer server) {
    return state(endpoint(server));
  }

  private EndpointState state(Endpoint endpoint) {
    return balancer.snapshot().endpoint(endpoint.id()).orElseThrow();
  }

  private void assertNothingInFlight() {
    assertEquals(0, balancer.snapshot().totalInFlight());
  }

  // Routing

  @Test
  void intercept_roundRobinOverThreeServers_spreadsEvenlyAndKeepsPathAndQuery() throws Exception {
    MockWebServer a = named("a");
    MockWebServer b = named("b");
    MockWebServer c = named("c");
    roundRobin(a, b, c);
    OkHttpClient client = client();

    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 30; i++) {
      counts.merge(get(client, "http://workers/tile?x=" + i + "&y=%2F4"), 1, Integer::sum);
    }

    assertEquals(Map.of("200 a", 10, "200 b", 10, "200 c", 10), counts);
    assertEquals("/tile?x=0&y=%2F4", a.takeRequest(5, TimeUnit.SECONDS).getPath());
    assertEquals("/tile?x=1&y=%2F4", b.takeRequest(5, TimeUnit.SECONDS).getPath());
    assertEquals("127.0.0.1:" + a.getPort(), a.takeRequest(5, TimeUnit.SECONDS).getHeader("Host"));
    assertNothingInFlight();
    assertEquals(10, state(a).successes());
  }

  @Test
  void intercept_endpointWithBasePath_prefixesItToThePath() throws Exception {
    MockWebServer a = named("a");
    balancer(Pickers.roundRobin(), Endpoint.of("http://127.0.0.1:" + a.getPort() + "/api/v1/"));
    OkHttpClient client = client();

    assertEquals("200 a", get(client, "http://workers/tile/3?x=1"));
    assertEquals("200 a", get(client, "http://WORKERS:8080/"));

    assertEquals("/api/v1/tile/3?x=1", a.takeRequest(5, TimeUnit.SECONDS).getPath());
    assertEquals("/api/v1/", a.takeRequest(5, TimeUnit.SECONDS).getPath());
  }

  @Test
  void intercept_otherHost_passesThroughUntouched() throws Exception {
    MockWebServer balanced = named("balanced");
    MockWebServer direct = named("direct");
    roundRobin(balanced);
    OkHttpClient client = client();

    assertEquals("200 direct", get(client, direct.url("/x?y=1").toString()));

    assertEquals("/x?y=1", direct.takeRequest(5, TimeUnit.SECONDS).getPath());
    assertEquals(0, balanced.getRequestCount());
    assertEquals(0, state(balanced).completed());
  }

  // Retries

  @Test
  void intercept_deadEndpoint_retriesOnAnotherAndSucceeds() throws Exception {
    Endpoint dead = deadEndpoint();
    MockWebServer a = named("a");
    MockWebServer b = named("b");
    balancer(Pickers.roundRobin(), dead, endpoint(a), endpoint(b));
    OkHttpClient client = client();

    assertEquals("200 a", get(client, "http://workers/"));

    assertEquals(1, state(dead).failures());
    assertEquals(1, state(a).successes());
    assertEquals(0, b.getRequestCount());
    assertNothingInFlight();
  }

  @Test
  void intercept_postToDeadEndpoint_retriesBecauseNothingWasSent() throws Exception {
    Endpoint dead = deadEndpoint();
    MockWebServer a = named("a");
    balancer(Pickers.roundRobin(), dead, endpoint(a));
    OkHttpClient client = client();

    Request post =
        new Request.Builder()
            .url("http://workers/jobs")
            .post(RequestBody.create("job", TEXT))
            .build();
    try (Response response = client.newCall(post).execute()) {
      assertEquals("a", response.body().string());
    }

    assertEquals("job", a.takeRequest(5, TimeUnit.SECONDS).getBody().readUtf8());
  }

  @Test
  void intercept_oneShotBodyToDeadEndpoint_isNotRetried() throws Exception {
    Endpoint dead = deadEndpoint();
    MockWebServer a = named("a");
    balancer(Pickers.roundRobin(), dead, endpoint(a));
    OkHttpClient client = client();
    RequestBody oneShot =
        new RequestBody() {
          @Override
          public MediaType contentType() {
            return TEXT;
          }

          @Override
          public void writeTo(BufferedSink sink) throws IOException {
            sink.writeUtf8("once");
          }

          @Override
          public boolean isOneShot() {
            return true;
          }
        };

    Request post = new Request.Builder().url("http://workers/").post(oneShot).build();
    assertThrows(ConnectException.class, () -> client.newCall(post).execute());

    assertEquals(0, a.getRequestCount());
    assertEquals(1, state(dead).failures());
    assertNothingInFlight();
  }

  @Test
  void intercept_loadReportHeader_reachesTheBalancer_malformedOneIsCounted() throws Exception {
    MockWebServer reporting =
        server(
            r ->
                new MockResponse()
                    .setHeader(
                        io.github.lb4j.LoadReport.HEADER,
                        "TEXT cpu_utilization=0.25, rps_fractional=40")
                    .setBody("r"));
    MockWebServer lying =
        server(
            r ->
                new MockResponse()
                    .setHeader(io.github.lb4j.LoadReport.HEADER, "TEXT cpu=")
                    .setBody("l"));
    roundRobin(reporting, lying);
    OkHttpClient client = client();

    assertEquals("200 r", get(client, "http://workers/"));
    assertEquals("200 l", get(client, "http://workers/"));

    assertEquals(0.25, state(reporting).loadReport().cpuUtilization());
    assertEquals(40, state(reporting).loadReport().rps());
    assertEquals(0, state(reporting).malformedLoadReports());
    assertEquals(null, state(lying).loadReport());
    assertEquals(1, state(lying).malformedLoadReports());
    assertEquals(1, state(lying).successes());
    assertNothingInFlight();
  }

  @Test
  void intercept_get503_retriesOnAnotherEndpoint() throws Exception {
    MockWebServer unavailable = answering(503);
    MockWebServer a = named("a");
    roundRobin(unavailable, a);
    OkHttpClient client = client();

    assertEquals("200 a", get(client, "http://workers/"));

    assertEquals(1, unavailable.getRequestCount());
    assertEquals(1, state(unavailable).failures());
    assertEquals(1, state(a).successes());
    assertNothingInFlight();
  }

  @Test
  void intercept_post503_isNotRetried() throws Exception {
    MockWebServer unavailable = answering(503);
    MockWebServer a = named("a");
    roundRobin(unavailable, a);
    OkHttpClient client = client();

    Request post =
        new Request.Builder().url("http://workers/").post(RequestBody.create("x", TEXT)).build();
    try (Response response = client.newCall(post).execute()) {
      assertEquals(503, response.code());
    }

    assertEquals(1, unavailable.getRequestCount());
    assertEquals(0, a.getRequestCount());
    assertEquals(1, state(unavailable).failures());
    assertNothingInFlight();
  }

  @Test
  void intercept_every503_stopsAfterMaxAttemptsAndReturnsTheLastResponse() throws Exception {
    MockWebServer[] down = answering(503, 4);
    roundRobin(down);
    OkHttpClient client = client();

    assertEquals("503 status 503", get(client, "http://workers/"));

    assertEquals(1, down[0].getRequestCount());
    assertEquals(1, down[1].getRequestCount());
    assertEquals(1, down[2].getRequestCount());
    assertEquals(0, down[3].getRequestCount());
    assertEquals(
        3, balancer.snapshot().endpoints().stream().mapToLong(EndpointState::failures).sum());
    assertNothingInFlight();
  }

  @Test
  void intercept_onlyEndpointAnswers503_returnsItWithoutRetrying() throws Exception {
    MockWebServer unavailable = answering(503);
    roundRobin(unavailable);
    OkHttpClient client = client();

    assertEquals("503 status 503", get(client, "http://workers/"));

    assertEquals(1, unavailable.getRequestCount());
    assertNothingInFlight();
  }

  @Test
  void intercept_500IsNotARetryableStatus_returnedAsAFailure() throws Exception {
    MockWebServer broken = answering(500);
    MockWebServer a = named("a");
    roundRobin(broken, a);
    OkHttpClient client = client();

    assertEquals("500 status 500", get(client, "http://workers/"));

    assertEquals(0, a.getRequestCount());
    assertEquals(1, state(broken).failures());
  }

  @Test
  void intercept_totalOutage_retriesStayWithinTheBudget() throws Exception {
    MockWebServer[] down = answering(503, 3);
    roundRobin(down);
    // Ten retries saved up, 0.2 earned per request, no time passes: at most 10 + 100 * 0.2.
    OkHttpClient client =
        client(
            LoadBalancingInterceptor.builder(balancer)
                .logicalHost("workers")
                .retryBudget(
                    RetryBudget.ofRatio(0.2).minRetriesPerSecond(1).ticker(ticker).build()));

    for (int i = 0; i < 100; i++) {
      assertEquals("503 status 503", get(client, "http://workers/"));
    }

    int sent = down[0].getRequestCount() + down[1].getRequestCount() + down[2].getRequestCount();
    int retries = sent - 100;
    assertTrue(retries <= 30, "retries " + retries + " (expected: <= 30)");
    assertTrue(retries >= 20, "retries " + retries + " (expected: the budget to be used)");
    assertNothingInFlight();
  }

  @Test
  void intercept_maxAttemptsOne_neverRetries() throws Exception {
    Endpoint dead = deadEndpoint();
    MockWebServer a = named("a");
    balancer(Pickers.roundRobin(), dead, endpoint(a));
    OkHttpClient client =
        client(LoadBalancingInterceptor.builder(balancer).logicalHost("workers").maxAttempts(1));

    assertThrows(ConnectException.class, () -> get(client, "http://workers/"));

    assertEquals(0, a.getRequestCount());
  }

  // In-flight tracking and outcomes

  @Test
  void intercept_bodyOpen_staysInFlightSoLeastConnectionAvoidsTheEndpoint() throws Exception {
    // Bodies larger than the client reads ahead, so that the first one stays unfinished.
    String padding = "-".repeat(1024 * 1024);
    MockWebServer a = server(r -> new MockResponse().setBody("a" + padding));
    MockWebServer b = server(r -> new MockResponse().setBody("b" + padding));
    balancer(Pickers.leastConnection(new Random(7)), endpoint(a), endpoint(b));
    OkHttpClient client = client();

    Response open = client.newCall(new Request.Builder().url("http://workers/").build()).execute();
    String first = open.peekBody(1).string();
    MockWebServer busy = first.equals("a") ? a : b;
    String other = first.equals("a") ? "b" : "a";

    assertEquals(1, state(busy).inFlight());
    for (int i = 0; i < 5; i++) {
      assertEquals("200 " + other + padding, get(client, "http://workers/"));
    }
    assertEquals(1, state(busy).inFlight());
    assertEquals(0, state(busy).completed());

    open.close();

    assertNothingInFlight();
    assertEquals(1, state(busy).successes(), "closing unread counts by status");
  }

  @Test
  void intercept_bodyReadToTheEnd_releasesTheLeaseBeforeClose() throws Exception {
    MockWebServer a = named("a");
    roundRobin(a);
    OkHttpClient client = client();

    Response response =
        client.newCall(new Request.Builder().url("http://workers/").build()).execute();
    assertEquals(1, state(a).inFlight());
    response.body().source().readByteArray();

    assertEquals(0, state(a).inFlight());
    assertEquals(1, state(a).successes());
    response.close();
    assertEquals(1, state(a).successes());
  }

  @Test
  void intercept_disconnectWhileReadingTheBody_countsAFailureAndReleases() throws Exception {
    MockWebServer a =
        server(
            r ->
                new MockResponse()
                    .setBody("x".repeat(64 * 1024))
                    .setSocketPolicy(SocketPolicy.DISCONNECT_DURING_RESPONSE_BODY));
    roundRobin(a);
    OkHttpClient client = client();

    try (Response response =
        client.newCall(new Request.Builder().url("http://workers/").build()).execute()) {
      assertEquals(200, response.code());
      assertThrows(IOException.class, () -> response.body().string());
    }

    assertEquals(0, state(a).inFlight());
    assertEquals(1, state(a).failures());
    assertEquals(0, state(a).successes());
  }

  @Test
  void intercept_callCancelledWhileBodyOpen_releasesWithoutAnOutcome() throws Exception {
    MockWebServer a = server(r -> new MockResponse().setBody("x".repeat(256 * 1024)));
    roundRobin(a);
    OkHttpClient client = client();

    Call call = client.newCall(new Request.Builder().url("http://workers/").build());
    Response response = call.execute();
    assertEquals(1, state(a).inFlight());
    call.cancel();
    assertThrows(IOException.class, () -> response.body().source().readByteArray());
    response.close();

    assertEquals(0, state(a).inFlight());
    assertEquals(0, state(a).completed());
  }

  @Test
  void intercept_callCancelledBeforeExecute_releasesWithoutAnOutcome() throws Exception {
    MockWebServer a = named("a");
    roundRobin(a);
    OkHttpClient client = client();

    Call call = client.newCall(new Request.Builder().url("http://workers/").build());
    call.cancel();
    assertThrows(IOException.class, call::execute);

    assertEquals(0, a.getRequestCount());
    assertEquals(0, state(a).inFlight());
    assertEquals(0, state(a).completed());
  }

  @Test
  void intercept_customFailureStatuses_count4xxAsFailures() throws Exception {
    MockWebServer missing = answering(404);
    roundRobin(missing);
    OkHttpClient defaults = client();
    OkHttpClient strict =
        client(
            LoadBalancingInterceptor.builder(balancer)
                .logicalHost("workers")
                .failureStatuses(code -> code >= 400));

    get(defaults, "http://workers/");
    assertEquals(1, state(missing).successes());
    get(strict, "http://workers/");
    assertEquals(1, state(missing).failures());
  }

  @Test
  void intercept_failurePredicateThrows_usesTheDefaultAndAnswers() throws Exception {
    MockWebServer ok = named("ok");
    MockWebServer broken = answering(500);
    roundRobin(ok, broken);
    OkHttpClient client =
        client(
            LoadBalancingInterceptor.builder(balancer)
                .logicalHost("workers")
                .failureStatuses(
                    code -> {
                      throw new IllegalStateException("predicate bug");
                    }));

    assertEquals("200 ok", get(client, "http://workers/"));
    assertEquals("500 status 500", get(client, "http://workers/"));

    assertEquals(1, state(ok).successes());
    assertEquals(1, state(broken).failures());
  }

  @Test
  void intercept_readTimeout_countsAFailureWithoutRetrying() throws Exception {
    MockWebServer silent =
        server(r -> new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE));
    MockWebServer a = named("a");
    roundRobin(silent, a);
    LoadBalancingInterceptor interceptor =
        LoadBalancingInterceptor.builder(balancer).logicalHost("workers").build();
    OkHttpClient client =
        new OkHttpClient.Builder()
            .addInterceptor(interceptor)
            .readTimeout(Duration.ofMillis(100))
            .build();
    clients.add(client);

    assertThrows(SocketTimeoutException.class, () -> get(client, "http://workers/"));

    assertEquals(1, silent.getRequestCount());
    assertEquals(0, a.getRequestCount(), "the request may have reached the server");
    assertEquals(1, state(silent).failures());
    assertNothingInFlight();
  }

  // No endpoint

  @Test
  void enqueue_noEndpoints_failsWithIOExceptionAndTheDispatcherKeepsWorking() throws Exception {
    MockWebServer a = named("a");
    roundRobin(a);
    balancer.remove(endpoint(a).id());
    OkHttpClient client = client();

    CompletableFuture<IOException> failure = new CompletableFuture<>();
    client
        .newCall(new Request.Builder().url("http://workers/").build())
        .enqueue(
            new Callback() {
              @Override
              public void onFailure(Call call, IOException e) {
                failure.complete(e);
              }

              @Override
              public void onResponse(Call call, Response response) {
                response.close();
                failure.completeExceptionally(new AssertionError("expected a failure"));
              }
            });
    IOException e = failure.get(10, TimeUnit.SECONDS);

    NoAvailableEndpointIOException noEndpoint =
        assertInstanceOf(NoAvailableEndpointIOException.class, e);
    assertEquals("workers", noEndpoint.balancerName());
    assertInstanceOf(NoAvailableEndpointException.class, noEndpoint.getCause());
    assertEquals("balancer 'workers': no endpoint available: no endpoints", e.getMessage());

    balancer.add(endpoint(a));
    CompletableFuture<String> body = new CompletableFuture<>();
    client
        .newCall(new Request.Builder().url("http://workers/").build())
        .enqueue(
            new Callback() {
              @Override
              public void onFailure(Call call, IOException e) {
                body.completeExceptionally(e);
              }

              @Override
              public void onResponse(Call call, Response response) throws IOException {
                try (response) {
                  body.complete(response.body().string());
                }
              }
            });
    assertEquals("a", body.get(10, TimeUnit.SECONDS));
  }

  @Test
  @SuppressWarnings("deprecation") // the old name must still catch it
  void execute_balancerClosed_failsWithIOException() throws Exception {
    MockWebServer a = named("a");
    roundRobin(a);
    OkHttpClient client = client();
    balancer.close();

    NoAvailableEndpointIOException e =
        assertThrows(NoAvailableEndpointIOException.class, () -> get(client, "http://workers/"));

    assertInstanceOf(IllegalStateException.class, e.getCause());
    assertInstanceOf(NoEndpointAvailableIOException.class, e, "caught by the deprecated name too");
    assertEquals("balancer 'workers' is closed", e.getMessage());
    assertEquals(0, a.getRequestCount());
  }

  // Affinity

  @Test
  void intercept_affinityKeyTag_sameKeyAlwaysReachesTheSameServer() throws Exception {
    MockWebServer a = named("a");
    MockWebServer b = named("b");
    MockWebServer c = named("c");
    balancer(Pickers.consistentHash(), endpoint(a), endpoint(b), endpoint(c));
    OkHttpClient client = client();

    Map<String, Set<String>> serversByKey = new HashMap<>();
    Set<String> used = new HashSet<>();
    for (int round = 0; round < 3; round++) {
      for (int k = 0; k < 20; k++) {
        Request request =
            new Request.Builder()
                .url("http://workers/tile")
                .tag(AffinityKey.class, AffinityKey.of("tile-" + k))
                .build();
        try (Response response = client.newCall(request).execute()) {
          String server = response.body().string();
          serversByKey.computeIfAbsent("tile-" + k, x -> new HashSet<>()).add(server);
          used.add(server);
        }
      }
    }

    serversByKey.forEach((key, seen) -> assertEquals(1, seen.size(), key + " went to " + seen));
    assertEquals(Set.of("a", "b", "c"), used);
  }

  @Test
  void intercept_affinityHeader_sameKeyAlwaysReachesTheSameServerAndTagWins() throws Exception {
    MockWebServer a = named("a");
    MockWebServer b = named("b");
    MockWebServer c = named("c");
    balancer(Pickers.consistentHash(), endpoint(a), endpoint(b), endpoint(c));
    OkHttpClient client =
        client(
            LoadBalancingInterceptor.builder(balancer)
                .logicalHost("workers")
                .affinityHeader("X-Tile"));

    Map<String, String> byKey = new HashMap<>();
    for (int k = 0; k < 20; k++) {
      byKey.put("tile-" + k, keyed(client, "tile-" + k, null));
    }
    for (int round = 0; round < 2; round++) {
      for (int k = 0; k < 20; k++) {
        assertEquals(byKey.get("tile-" + k), keyed(client, "tile-" + k, null));
        assertEquals(
            byKey.get("tile-" + k), keyed(client, "other-" + k, "tile-" + k), "the tag wins");
      }
    }
    assertEquals(Set.of("a", "b", "c"), new HashSet<>(byKey.values()));
    String sent = a.takeRequest(5, TimeUnit.SECONDS).getHeader("X-Tile");
    assertTrue(sent.startsWith("tile-"), "the header is sent on unchanged: " + sent);
  }

  private static String keyed(OkHttpClient client, String header, String tag) throws IOException {
    Request.Builder request = new Request.Builder().url("http://workers/").header("X-Tile", header);
    if (tag != null) {
      request.tag(AffinityKey.class, AffinityKey.of(tag));
    }
    try (Response response = client.newCall(request.build()).execute()) {
      return response.body().string();
    }
  }

  // Misuse

  @Test
  void intercept_addedAsNetworkInterceptor_failsWithIOException() throws Exception {
    MockWebServer a = named("a");
    roundRobin(a);
    // A network interceptor runs after connecting, so the logical host must be a real one here.
    LoadBalancingInterceptor onLocalhost =
        LoadBalancingInterceptor.builder(balancer).logicalHost("localhost").build();
    OkHttpClient client = new OkHttpClient.Builder().addNetworkInterceptor(onLocalhost).build();
    clients.add(client);

    IOException e =
        assertThrows(IOException.class, () -> get(client, "http://localhost:" + a.getPort() + "/"));

    assertEquals(
        "LoadBalancingInterceptor for 'localhost' must be added with"
            + " OkHttpClient.Builder.addInterceptor, not addNetworkInterceptor: a network"
            + " interceptor cannot change the host",
        e.getMessage());
    assertEquals(0, a.getRequestCount());
    assertNothingInFlight();
  }
}
