package io.github.lb4j;

/**
 * Whether a {@link Balancer} may choose an endpoint.
 *
 * <p>Only {@link #HEALTHY} endpoints are chosen, unless the balancer is in panic mode (too few
 * healthy endpoints left, see the balancer's configuration), where every endpoint is.
 */
public enum HealthState {
  /** Chosen normally. Endpoints start in this state when they join. */
  HEALTHY,
  /** Failed its active health checks; not chosen until it passes them again. */
  UNHEALTHY,
  /** Taken out for a while after too many failed calls (passive outlier detection). */
  EJECTED;

  /** {@return whether an endpoint in this state can be chosen outside panic mode} */
  public boolean isAvailable() {
    return this == HEALTHY;
  }
}
