package io.github.lb4j.micrometer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lb4j.Balancer;
import io.github.lb4j.Lease;
import io.github.lb4j.core.Balancers;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

/** The meters as Prometheus scrapes them: names, tags and values in its text format. */
class PrometheusScrapeTest {

  @Test
  void scrapeShowsEndpointAndBalanceMeters() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (Balancer balancer =
        Balancers.builder().name("workers").endpoints("http://127.0.0.1:8081").build()) {
      BalancerMetrics.of(balancer).bindTo(registry);
      try (Lease lease = balancer.acquire()) {
        lease.success();
      }

      String scrape = registry.scrape();
      String endpoint = "balancer=\"workers\",endpoint=\"http://127.0.0.1:8081\"";
      for (String line :
          new String[] {
            "lb4j_endpoint_successes_total{" + endpoint + "} 1.0",
            "lb4j_endpoint_picks_total{" + endpoint + "} 1.0",
            "lb4j_endpoint_in_flight_calls{" + endpoint + "} 0.0",
            "lb4j_endpoint_health{" + endpoint + ",state=\"healthy\"} 1.0",
            "lb4j_endpoint_latency_average_seconds{" + endpoint + "} 0.0",
            "lb4j_balancer_endpoints{balancer=\"workers\"} 1.0",
            "lb4j_balancer_picks_max_over_mean{balancer=\"workers\"} 1.0",
          }) {
        assertTrue(scrape.contains(line), () -> "no line " + line + " in\n" + scrape);
      }
      balancer.close();
      assertTrue(!registry.scrape().contains("lb4j_"), registry::scrape);
    }
  }
}
