package io.github.lb4j;

import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Chooses, for each call, which endpoint of a set to send it to.
 *
 * <p>Build one with {@code io.github.lb4j.core.Balancers.builder()}. Two ways to choose:
 *
 * <ul>
 *   <li>{@link #choose()} / {@link #choose(String)} return an endpoint and track nothing: the
 *       cheapest call, enough for round-robin, random and hashing.
 *   <li>{@link #acquire()} / {@link #acquire(String)} return a {@link Lease} that counts the call
 *       as in flight until it is closed and carries its outcome back, which least-connection,
 *       peak-EWMA, bounded-load hashing and passive health checks need.
 * </ul>
 *
 * <p>Membership can change at any time with {@link #add}, {@link #remove} and {@link
 * #setEndpoints}; per-endpoint state (counters, health, round-robin position) survives the change
 * for endpoints that stay. After {@code remove} returns, the removed endpoint is never chosen
 * again.
 *
 * <p>Threading: every method is safe to call from any thread. Choosing takes no lock and, on the
 * plain path, allocates nothing: it reads an immutable picker that membership and health changes
 * rebuild and publish. A lease costs one small allocation and an atomic add at each end. Changes
 * are serialized among themselves, never block choosing, and notify listeners after releasing the
 * lock ({@link BalancerListener}).
 */
public interface Balancer extends AutoCloseable {

  /** {@return this balancer's name, used in logs, errors and snapshots} */
  String name();

  /**
   * Chooses an endpoint for a call without an affinity key.
   *
   * @return the chosen endpoint
   * @throws NoAvailableEndpointException when there is no endpoint, none is healthy, or all are
   *     over their load bound
   * @throws IllegalStateException when the balancer is closed
   */
  Endpoint choose();

  /**
   * Chooses an endpoint for a call with an affinity key; strategies without affinity ignore the
   * key.
   *
   * @param key the affinity key (a user id, a cache key, a tile coordinate)
   * @return the chosen endpoint
   * @throws NoAvailableEndpointException when no endpoint can be chosen
   * @throws IllegalStateException when the balancer is closed
   */
  Endpoint choose(String key);

  /**
   * Chooses an endpoint and counts the call as in flight until the returned lease is closed.
   *
   * @return the lease of the call, to report its outcome and close
   * @throws NoAvailableEndpointException when no endpoint can be chosen
   * @throws IllegalStateException when the balancer is closed
   */
  Lease acquire();

  /**
   * Like {@link #acquire()}, with an affinity key.
   *
   * @param key the affinity key
   * @return the lease of the call, to report its outcome and close
   * @throws NoAvailableEndpointException when no endpoint can be chosen
   * @throws IllegalStateException when the balancer is closed
   */
  Lease acquire(String key);

  /**
   * Like {@link #acquire(String)}, but never on an endpoint whose id is in {@code exclude}: for a
   * retry or a hedged copy that must go somewhere else. Hashing pickers send the key where it would
   * go if the excluded endpoints left (with bounded loads: from there, the first endpoint under its
   * bound, else that one regardless), so a key's fallback is as stable as its first choice; the
   * other pickers choose as usual and, if their choice is excluded, take the least loaded endpoint
   * that is not.
   *
   * @param key the affinity key, or {@code null} for none
   * @param exclude ids of endpoints not to choose; may be empty
   * @return the lease of the call, to report its outcome and close
   * @throws NoAvailableEndpointException when every available endpoint is excluded, or as for
   *     {@link #acquire(String)}
   * @throws IllegalStateException when the balancer is closed
   */
  Lease acquire(String key, Set<String> exclude);

  /**
   * Adds an endpoint.
   *
   * @param endpoint the endpoint to add
   * @throws IllegalArgumentException when an endpoint with the same id is already a member
   */
  void add(Endpoint endpoint);

  /**
   * Removes the endpoint with this id. Calls already in flight to it finish normally; it is never
   * chosen again once this method returns.
   *
   * @param id the id of the endpoint to remove
   * @return whether it was a member
   */
  boolean remove(String id);

  /**
   * Replaces the whole membership. Endpoints whose id stays keep their state and take the new
   * address, weight and metadata; the others are added or removed. All or nothing: on an exception
   * the membership is unchanged.
   *
   * @param endpoints the new membership, ids unique
   * @throws IllegalArgumentException when two endpoints share an id
   */
  void setEndpoints(Collection<Endpoint> endpoints);

  /** {@return the current members, in membership order} */
  List<Endpoint> endpoints();

  /** {@return the current members with their live state} */
  BalancerSnapshot snapshot();

  /**
   * Registers a listener; events that happen after this call reach it.
   *
   * @param listener the listener to register
   */
  void addListener(BalancerListener listener);

  /**
   * Unregisters a listener; returns whether it was registered.
   *
   * @param listener the listener to unregister
   * @return whether it was registered
   */
  boolean removeListener(BalancerListener listener);

  /** {@return whether {@link #close()} was called} */
  boolean isClosed();

  /**
   * Closes the balancer: choosing and changing membership then throw {@link IllegalStateException},
   * background work it started (health checks) stops. Idempotent.
   */
  @Override
  void close();
}
