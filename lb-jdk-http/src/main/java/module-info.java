/**
 * lb4j for the JDK's {@code java.net.http.HttpClient}: {@link
 * io.github.lb4j.jdkhttp.LoadBalancedHttpClient}, an {@code HttpClient} that sends requests to a
 * logical host to the endpoints a balancer chooses.
 */
module io.github.lb4j.jdkhttp {
  // Balancer and RetryPolicy appear in this module's signatures, and with lb-impl java.net.http.
  requires transitive io.github.lb4j.impl;
  requires org.slf4j;

  exports io.github.lb4j.jdkhttp;
}
