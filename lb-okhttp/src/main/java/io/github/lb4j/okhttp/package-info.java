/**
 * OkHttp integration: an application {@link okhttp3.Interceptor} that sends calls to a logical host
 * (such as {@code http://workers/}) to the endpoints a {@link io.github.lb4j.Balancer} chooses,
 * with in-flight tracking until the response body is closed, outcome reporting, retries on another
 * endpoint under a retry budget, and per-request affinity keys for consistent hashing.
 *
 * <p>Start with {@link io.github.lb4j.okhttp.LoadBalancingInterceptor#builder}. Every failure this
 * package raises inside an OkHttp call is an {@link java.io.IOException}, so asynchronous callers
 * receive it in {@link okhttp3.Callback#onFailure} and OkHttp's dispatcher threads survive.
 */
package io.github.lb4j.okhttp;
