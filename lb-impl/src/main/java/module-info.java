/**
 * The lb4j implementation: balancers and pickers with active and passive health checks and warm-up
 * ({@code io.github.lb4j.core}), endpoint discovery with its static and file sources and the SPI
 * for more ({@code io.github.lb4j.discovery}), retries within a budget ({@code
 * io.github.lb4j.retry}) and scatter-gather ({@code io.github.lb4j.scatter}). Depends on {@code
 * io.github.lb4j.api}, the SLF4J API and the JDK only.
 */
// The qualified export names lb4j's other modules, which are not there when this one compiles.
@SuppressWarnings("module")
module io.github.lb4j.impl {
  // Balancer, Endpoint, HealthProbe and the other API types appear in this module's signatures.
  requires transitive io.github.lb4j.api;
  // HealthCheckBuilder.httpClient takes the JDK's HttpClient, which the default probe uses.
  requires transitive java.net.http;
  requires org.slf4j;

  exports io.github.lb4j.core;
  exports io.github.lb4j.discovery;
  exports io.github.lb4j.retry;
  exports io.github.lb4j.scatter;
  // Argument checks and the HTTP probes' common part, shared with lb4j's own modules only.
  exports io.github.lb4j.internal to
      io.github.lb4j.dns,
      io.github.lb4j.okhttp,
      io.github.lb4j.jdkhttp;
}
