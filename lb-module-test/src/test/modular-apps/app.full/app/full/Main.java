package app.full;

import io.github.lb4j.Balancer;
import io.github.lb4j.core.Balancers;
import io.github.lb4j.discovery.Discovery;
import io.github.lb4j.discovery.EndpointSource;
import io.github.lb4j.discovery.Subscription;
import io.github.lb4j.dns.DnsDiscovery;
import io.github.lb4j.jdkhttp.LoadBalancedHttpClient;
import io.github.lb4j.okhttp.LoadBalancingInterceptor;
import io.github.lb4j.okhttp.OkHttpHealthProbe;
import io.github.lb4j.testing.FakeClock;
import okhttp3.OkHttpClient;

/**
 * Builds a balancer on the fake clock with OkHttp health probes, binds a source parsed by the DNS
 * module, builds a DNS source (dnsjava is loaded; nothing is resolved) and an OkHttp client with
 * the interceptor and a load-balanced JDK HttpClient, and chooses.
 */
public final class Main {
  public static void main(String[] args) {
    FakeClock clock = new FakeClock();
    OkHttpClient http = new OkHttpClient();
    try (Balancer balancer =
        Balancers.builder()
            .name("full")
            .ticker(clock)
            .scheduler(clock)
            .healthCheck(h -> h.probe(OkHttpHealthProbe.of(http, "/health")))
            .build()) {
      Subscription discovery =
          Discovery.bind(DnsDiscovery.parse("static:http://127.0.0.1:9"), balancer);
      EndpointSource dns = DnsDiscovery.dnsSrv("_http._tcp.workers.test").server("127.0.0.1").build();
      OkHttpClient client =
          http.newBuilder()
              .addInterceptor(LoadBalancingInterceptor.builder(balancer).logicalHost("workers").build())
              .build();
      java.net.http.HttpClient jdk =
          LoadBalancedHttpClient.builder(balancer).logicalHost("workers").build();
      System.out.println("chose " + balancer.choose().id() + "; " + dns + "; " + client.interceptors().size() + " interceptor");
      System.out.println(jdk);
      discovery.close();
    }
    http.dispatcher().executorService().shutdown();
    System.out.println("closed");
  }
}
