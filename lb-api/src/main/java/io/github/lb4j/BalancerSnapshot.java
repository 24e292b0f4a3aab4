package io.github.lb4j;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a {@link Balancer} looked like at one moment: its endpoints in membership order with their
 * live state. The equivalent of a load balancer's status page.
 *
 * <p>Immutable; each state was read without stopping traffic, so counters of different endpoints
 * may be a few calls apart.
 *
 * @param balancerName the balancer's name
 * @param pickerName the name of the strategy in use
 * @param endpoints every member endpoint with its state, in membership order
 * @param balance how evenly the balancer is spreading calls right now
 */
public record BalancerSnapshot(
    String balancerName, String pickerName, List<EndpointState> endpoints, BalanceQuality balance) {

  /**
   * Checks and copies the components.
   *
   * @param balancerName the balancer's name
   * @param pickerName the name of the strategy in use
   * @param endpoints every member endpoint with its state, in membership order
   * @param balance how evenly the balancer is spreading calls
   */
  public BalancerSnapshot {
    Objects.requireNonNull(balancerName, "balancerName");
    Objects.requireNonNull(pickerName, "pickerName");
    Objects.requireNonNull(balance, "balance");
    endpoints = List.copyOf(endpoints);
  }

  /**
   * The state of the endpoint with this id, if it is a member.
   *
   * @param id the endpoint's id
   * @return its state, or empty when no member has this id
   */
  public Optional<EndpointState> endpoint(String id) {
    Objects.requireNonNull(id, "id");
    for (EndpointState s : endpoints) {
      if (s.endpoint().id().equals(id)) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }

  /** {@return the number of endpoints in the {@link HealthState#HEALTHY} state} */
  public int healthyCount() {
    int n = 0;
    for (EndpointState s : endpoints) {
      if (s.health().isAvailable()) {
        n++;
      }
    }
    return n;
  }

  /** {@return the sum of in-flight calls over all endpoints} */
  public int totalInFlight() {
    int n = 0;
    for (EndpointState s : endpoints) {
      n += s.inFlight();
    }
    return n;
  }
}
