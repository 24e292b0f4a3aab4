package io.github.lb4j.okhttp;

import io.github.lb4j.Balancer;
import io.github.lb4j.Endpoint;
import io.github.lb4j.core.Balancers;
import io.github.lb4j.core.Pickers;
import io.github.lb4j.retry.RetryBudget;
import java.io.IOException;
import java.net.InetAddress;
import java.util.Arrays;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;

/**
 * Measures, on the real clock, what a dead endpoint costs a call: round-robin over one endpoint
 * that refuses connections and two live ones, with every call that first hit the dead endpoint
 * compared with the calls that went straight to a live one. Not a test; run it by hand:
 *
 * <pre>
 * ./mvnw -q -pl lb-okhttp -am test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
 * java -cp lb-okhttp/target/test-classes:lb-okhttp/target/classes:$(cat lb-okhttp/target/cp.txt) \
 *     io.github.lb4j.okhttp.FailoverLatency [calls]
 * </pre>
 */
final class FailoverLatency {
  private FailoverLatency() {}

  public static void main(String[] args) throws Exception {
    int calls = args.length > 0 ? Integer.parseInt(args[0]) : 5_000;
    InetAddress localhost = InetAddress.getByName("127.0.0.1");
    MockWebServer dead = new MockWebServer();
    dead.start(localhost, 0);
    Endpoint deadEndpoint = Endpoint.of("http://127.0.0.1:" + dead.getPort());
    dead.shutdown();
    MockWebServer a = TestServers.start(request -> new MockResponse().setBody("ok"));
    MockWebServer b = TestServers.start(request -> new MockResponse().setBody("ok"));

    try (Balancer balancer =
        Balancers.builder()
            .name("workers")
            .picker(Pickers.roundRobin())
            .endpoints(
                deadEndpoint,
                Endpoint.of("http://127.0.0.1:" + a.getPort()),
                Endpoint.of("http://127.0.0.1:" + b.getPort()))
            .build()) {
      OkHttpClient client =
          new OkHttpClient.Builder()
              .addInterceptor(
                  LoadBalancingInterceptor.builder(balancer)
                      .logicalHost("workers")
                      // Measure the failover itself, not the budget running out.
                      .retryBudget(RetryBudget.ofRatio(1.0).minRetriesPerSecond(1_000).build())
                      .build())
              .build();
      Request request = new Request.Builder().url("http://workers/").build();

      run(client, request, balancer, deadEndpoint, calls / 2); // warm-up
      long[][] measured = run(client, request, balancer, deadEndpoint, calls);
      report("direct to a live endpoint", measured[0]);
      report("failed over from the dead one", measured[1]);
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    } finally {
      a.shutdown();
      b.shutdown();
    }
  }

  /** Latencies in nanoseconds of calls that went direct ([0]) and that failed over ([1]). */
  private static long[][] run(
      OkHttpClient client, Request request, Balancer balancer, Endpoint dead, int calls)
      throws IOException {
    long[] direct = new long[calls];
    long[] failover = new long[calls];
    int nd = 0;
    int nf = 0;
    for (int i = 0; i < calls; i++) {
      long failuresBefore = balancer.snapshot().endpoint(dead.id()).orElseThrow().failures();
      long start = System.nanoTime();
      try (Response response = client.newCall(request).execute()) {
        response.body().string();
      }
      long took = System.nanoTime() - start;
      if (balancer.snapshot().endpoint(dead.id()).orElseThrow().failures() > failuresBefore) {
        failover[nf++] = took;
      } else {
        direct[nd++] = took;
      }
    }
    return new long[][] {Arrays.copyOf(direct, nd), Arrays.copyOf(failover, nf)};
  }

  private static void report(String label, long[] nanos) {
    Arrays.sort(nanos);
    System.out.printf(
        "%-30s n=%5d  p50=%7.1f us  p90=%7.1f us  p99=%7.1f us  max=%8.1f us%n",
        label,
        nanos.length,
        at(nanos, 0.50) / 1e3,
        at(nanos, 0.90) / 1e3,
        at(nanos, 0.99) / 1e3,
        nanos[nanos.length - 1] / 1e3);
  }

  private static long at(long[] sorted, double q) {
    return sorted[Math.min(sorted.length - 1, (int) (q * sorted.length))];
  }
}
