package io.github.lb4j.jdkhttp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lb4j.Balancer;
import io.github.lb4j.core.Balancers;
import io.github.lb4j.retry.RetryBudget;
import io.github.lb4j.retry.RetryPolicy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.util.concurrent.SubmissionPublisher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class LoadBalancedHttpClientBuilderTest {
  private final Balancer balancer = Balancers.builder().name("b").endpoints("http://a:1").build();
  private final LoadBalancedHttpClient.Builder builder = LoadBalancedHttpClient.builder(balancer);

  @AfterEach
  void close() {
    balancer.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "http://workers", "workers:8080", "work ers", "workers/x"})
  void logicalHost_invalid_throwsNamingTheValue(String host) {
    assertEquals(
        "logicalHost: '" + host + "' (expected: a host name without scheme or port, e.g. workers)",
        assertThrows(IllegalArgumentException.class, () -> builder.logicalHost(host)).getMessage());
  }

  @Test
  void build_withoutLogicalHost_throwsIllegalState() {
    assertEquals(
        "logicalHost is not set (expected: logicalHost(\"workers\") for http://workers/...)",
        assertThrows(IllegalStateException.class, builder::build).getMessage());
  }

  @Test
  void logicalHost_mixedCase_isMatchedInLowerCase() {
    assertEquals("workers", builder.logicalHost("Workers").build().logicalHost());
  }

  @Test
  void maxAttempts_zero_throwsIllegalArgument() {
    assertEquals(
        "maxAttempts: 0 (expected: >= 1)",
        assertThrows(IllegalArgumentException.class, () -> builder.maxAttempts(0)).getMessage());
  }

  @Test
  void retryStatuses_outOfRange_throwsIllegalArgument() {
    assertEquals(
        "retryStatuses: 600 (expected: an HTTP status in [100, 599])",
        assertThrows(IllegalArgumentException.class, () -> builder.retryStatuses(503, 600))
            .getMessage());
  }

  @Test
  void affinityHeader_notAToken_throwsIllegalArgument() {
    assertEquals(
        "affinityHeader: 'X Key' (expected: a header name, e.g. X-Affinity-Key)",
        assertThrows(IllegalArgumentException.class, () -> builder.affinityHeader("X Key"))
            .getMessage());
  }

  @Test
  void client_loadBalanced_throwsIllegalArgument() {
    LoadBalancedHttpClient inner = builder.logicalHost("workers").build();
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> LoadBalancedHttpClient.builder(balancer).client(inner));
    assertEquals(
        "client: LoadBalancedHttpClient(workers -> b) (expected: a plain HttpClient, not a"
            + " load-balanced one)",
        e.getMessage());
  }

  @Test
  void withAffinityKey_empty_throwsIllegalArgument() {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://workers/")).build();
    assertEquals(
        "key: '' (expected: not empty)",
        assertThrows(
                IllegalArgumentException.class,
                () -> LoadBalancedHttpClient.withAffinityKey(request, ""))
            .getMessage());
  }

  @Test
  void retryPolicy_isKeptWithItsBudget_defaultGetsABudgetOfItsOwn() {
    RetryBudget shared = RetryBudget.ofRatio(0.5).build();
    LoadBalancedHttpClient withPolicy =
        builder
            .logicalHost("workers")
            .retryPolicy(RetryPolicy.maxAttempts(2).withBudget(shared))
            .build();
    assertEquals(2, withPolicy.retryPolicy().maxAttempts());
    assertSame(shared, withPolicy.retryPolicy().budget());

    LoadBalancedHttpClient one = LoadBalancedHttpClient.builder(balancer).logicalHost("w").build();
    LoadBalancedHttpClient two = LoadBalancedHttpClient.builder(balancer).logicalHost("w").build();
    assertEquals(3, one.retryPolicy().maxAttempts());
    assertFalse(one.retryPolicy().budget() == two.retryPolicy().budget());
  }

  @Test
  void isReplayable_inMemoryAndFileBodies_yes_streamsAndPublishers_no() throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://workers/"));
    assertTrue(LoadBalancedHttpClient.isReplayable(b.GET().build()));
    assertTrue(LoadBalancedHttpClient.isReplayable(b.POST(BodyPublishers.ofString("x")).build()));
    assertTrue(
        LoadBalancedHttpClient.isReplayable(
            b.POST(BodyPublishers.ofByteArray(new byte[3])).build()));
    assertTrue(LoadBalancedHttpClient.isReplayable(b.POST(BodyPublishers.noBody()).build()));
    assertFalse(
        LoadBalancedHttpClient.isReplayable(
            b.POST(BodyPublishers.ofInputStream(java.io.InputStream::nullInputStream)).build()));
    try (SubmissionPublisher<java.nio.ByteBuffer> p = new SubmissionPublisher<>()) {
      assertFalse(
          LoadBalancedHttpClient.isReplayable(b.POST(BodyPublishers.fromPublisher(p, 3)).build()));
    }
  }

  @Test
  void configuration_isTheWrappedClients() {
    HttpClient inner = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();
    LoadBalancedHttpClient client = builder.logicalHost("workers").client(inner).build();
    assertEquals(HttpClient.Redirect.NORMAL, client.followRedirects());
    assertSame(inner.sslContext(), client.sslContext());
  }
}
