package io.github.lb4j.okhttp;

import java.util.Objects;

/**
 * The affinity key of one request, attached as an OkHttp request tag, so that a consistent-hash
 * balancer sends requests with the same key to the same endpoint.
 *
 * <pre>{@code
 * Request request = new Request.Builder()
 *     .url("http://workers/tile?x=3&y=4")
 *     .tag(AffinityKey.class, AffinityKey.of("3:4"))
 *     .build();
 * }</pre>
 *
 * <p>A tag takes precedence over the affinity header configured with {@link
 * LoadBalancingInterceptor.Builder#affinityHeader}. Strategies without affinity ignore the key.
 * Immutable and thread safe.
 *
 * @param value the key, such as a user id, a cache key or a tile coordinate; not {@code null}
 */
public record AffinityKey(String value) {

  /**
   * Checks the value.
   *
   * @param value the key
   */
  public AffinityKey {
    Objects.requireNonNull(value, "value");
  }

  /**
   * The key with this value.
   *
   * @param value the key
   * @return the tag
   */
  public static AffinityKey of(String value) {
    return new AffinityKey(value);
  }
}
