/**
 * Micrometer metrics for lb4j: {@link io.github.lb4j.micrometer.BalancerMetrics}, a {@code
 * MeterBinder} that exports a balancer's per-endpoint state and balance quality.
 */
// Micrometer is an automatic module: requiring it, transitively since MeterBinder and Tag appear in
// this module's signatures, is the only way.
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module io.github.lb4j.micrometer {
  // Balancer appears in this module's signatures.
  requires transitive io.github.lb4j.api;
  requires transitive micrometer.core;

  exports io.github.lb4j.micrometer;
}
