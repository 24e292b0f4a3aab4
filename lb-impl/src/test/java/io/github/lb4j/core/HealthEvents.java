package io.github.lb4j.core;

import io.github.lb4j.Balancer;
import io.github.lb4j.BalancerListener;
import io.github.lb4j.Endpoint;
import io.github.lb4j.HealthState;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records health changes as {@code "id FROM -> TO: reason"}. */
final class HealthEvents implements BalancerListener {
  final List<String> events = new CopyOnWriteArrayList<>();

  @Override
  public void onHealthChanged(
      Balancer balancer, Endpoint endpoint, HealthState from, HealthState to, String reason) {
    events.add(endpoint.id() + " " + from + " -> " + to + ": " + reason);
  }
}
