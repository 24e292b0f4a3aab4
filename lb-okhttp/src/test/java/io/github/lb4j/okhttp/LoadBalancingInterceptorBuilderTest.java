package io.github.lb4j.okhttp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.lb4j.Balancer;
import io.github.lb4j.Endpoint;
import io.github.lb4j.core.Balancers;
import java.io.IOException;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class LoadBalancingInterceptorBuilderTest {
  private final Balancer balancer =
      Balancers.builder().name("workers").endpoints("http://127.0.0.1:1").build();
  private final LoadBalancingInterceptor.Builder builder =
      LoadBalancingInterceptor.builder(balancer);

  @AfterEach
  void closeBalancer() {
    balancer.close();
  }

  private static void assertMessage(String expected, Throwable thrown) {
    assertEquals(expected, thrown.getMessage());
  }

  @Test
  void builder_nullBalancer_throwsNamingIt() {
    assertMessage(
        "balancer",
        assertThrows(NullPointerException.class, () -> LoadBalancingInterceptor.builder(null)));
  }

  @Test
  void logicalHost_mixedCase_matchesInLowerCase() {
    LoadBalancingInterceptor interceptor = builder.logicalHost("Workers").build();

    assertEquals("workers", interceptor.logicalHost());
    assertEquals(balancer, interceptor.balancer());
    assertEquals("LoadBalancingInterceptor(workers -> workers)", interceptor.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "workers:8080", "http://workers", "wor kers", "workers/api"})
  void logicalHost_notAHostName_throwsIllegalArgument(String host) {
    assertMessage(
        "logicalHost: '" + host + "' (expected: a host name without scheme or port, e.g. workers)",
        assertThrows(IllegalArgumentException.class, () -> builder.logicalHost(host)));
  }

  @Test
  void logicalHost_null_throwsNamingIt() {
    assertMessage(
        "host", assertThrows(NullPointerException.class, () -> builder.logicalHost(null)));
  }

  @Test
  void build_withoutLogicalHost_throwsIllegalState() {
    assertMessage(
        "logicalHost is not set (expected: logicalHost(\"workers\") for http://workers/...)",
        assertThrows(IllegalStateException.class, builder::build));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "X Tile", "X-Tile:", "Ä"})
  void affinityHeader_notAHeaderName_throwsIllegalArgument(String name) {
    assertMessage(
        "affinityHeader: '" + name + "' (expected: a header name, e.g. X-Affinity-Key)",
        assertThrows(IllegalArgumentException.class, () -> builder.affinityHeader(name)));
  }

  @Test
  void affinityHeader_null_throwsNamingIt() {
    assertMessage(
        "name", assertThrows(NullPointerException.class, () -> builder.affinityHeader(null)));
  }

  @Test
  void failureStatuses_null_throwsNamingIt() {
    assertMessage(
        "isFailure", assertThrows(NullPointerException.class, () -> builder.failureStatuses(null)));
  }

  @ParameterizedTest
  @ValueSource(ints = {-1, 0, 99, 600, 1000})
  void retryStatuses_notAStatus_throwsIllegalArgument(int code) {
    assertMessage(
        "retryStatuses: " + code + " (expected: an HTTP status in [100, 599])",
        assertThrows(IllegalArgumentException.class, () -> builder.retryStatuses(503, code)));
  }

  @Test
  void retryStatuses_null_throwsNamingIt() {
    assertMessage(
        "codes",
        assertThrows(NullPointerException.class, () -> builder.retryStatuses((int[]) null)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "GE T", "GET\n"})
  void retryMethods_notAMethod_throwsIllegalArgument(String method) {
    assertMessage(
        "retryMethods: '" + method + "' (expected: an HTTP method, e.g. GET)",
        assertThrows(IllegalArgumentException.class, () -> builder.retryMethods("GET", method)));
  }

  @Test
  void retryMethods_nullElement_throwsNamingIt() {
    assertMessage(
        "methods: contains null",
        assertThrows(NullPointerException.class, () -> builder.retryMethods("GET", null)));
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1, Integer.MIN_VALUE})
  void maxAttempts_belowOne_throwsIllegalArgument(int attempts) {
    assertMessage(
        "maxAttempts: " + attempts + " (expected: >= 1)",
        assertThrows(IllegalArgumentException.class, () -> builder.maxAttempts(attempts)));
  }

  @ParameterizedTest
  @ValueSource(doubles = {-0.1, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
  @SuppressWarnings("deprecation") // the positional form still validates
  void retryBudget_badRatio_throwsIllegalArgument(double ratio) {
    assertMessage(
        "ratio: " + ratio + " (expected: >= 0 and finite)",
        assertThrows(IllegalArgumentException.class, () -> builder.retryBudget(ratio, 10)));
  }

  @Test
  @SuppressWarnings("deprecation") // the positional form still validates
  void retryBudget_negativeReserve_throwsIllegalArgument() {
    assertMessage(
        "minRetriesPerSecond: -1 (expected: >= 0)",
        assertThrows(IllegalArgumentException.class, () -> builder.retryBudget(0.2, -1)));
  }

  @Test
  void retryBudget_null_throwsNamingIt() {
    assertMessage(
        "budget",
        assertThrows(
            NullPointerException.class,
            () -> builder.retryBudget((io.github.lb4j.retry.RetryBudget) null)));
  }

  @Test
  void retryStatuses_rejectedCall_keepsThePreviousSetting() throws IOException {
    MockWebServer broken = TestServers.start(r -> new MockResponse().setResponseCode(500));
    MockWebServer healthy = TestServers.start(r -> new MockResponse().setBody("ok"));
    try (Balancer pair =
        Balancers.builder()
            .endpoints(
                Endpoint.of("http://127.0.0.1:" + broken.getPort()),
                Endpoint.of("http://127.0.0.1:" + healthy.getPort()))
            .build()) {
      LoadBalancingInterceptor.Builder b =
          LoadBalancingInterceptor.builder(pair).logicalHost("workers").retryStatuses(500);
      assertThrows(IllegalArgumentException.class, () -> b.retryStatuses(503, 42));
      OkHttpClient client = new OkHttpClient.Builder().addInterceptor(b.build()).build();

      try (Response response =
          client.newCall(new Request.Builder().url("http://workers/").build()).execute()) {
        assertEquals("ok", response.body().string(), "500 is still retried");
      }
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    } finally {
      broken.shutdown();
      healthy.shutdown();
    }
  }
}
