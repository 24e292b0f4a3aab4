/**
 * OkHttp integration of lb4j: {@link io.github.lb4j.okhttp.LoadBalancingInterceptor}, which sends
 * calls to a logical host to the endpoints a balancer chooses, and {@link
 * io.github.lb4j.okhttp.OkHttpHealthProbe}, active health checks through OkHttp.
 */
// OkHttp 4 and Okio are automatic modules: requiring them, transitively for OkHttp, is the only
// way.
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module io.github.lb4j.okhttp {
  // Balancer, HealthProbe and Ticker appear in this module's signatures; lb-impl builds balancers.
  requires transitive io.github.lb4j.impl;
  // Interceptor, OkHttpClient and Request appear in this module's signatures.
  requires transitive okhttp3;
  requires okio;
  // OkHttp 4 is written in Kotlin, and as an automatic module it requires nothing: without this,
  // nothing resolves the Kotlin standard library and OkHttp fails with NoClassDefFoundError.
  requires kotlin.stdlib;
  requires org.slf4j;

  exports io.github.lb4j.okhttp;
}
