package io.github.lb4j.micrometer;

import io.github.lb4j.BalanceQuality;
import io.github.lb4j.Balancer;
import io.github.lb4j.BalancerListener;
import io.github.lb4j.BalancerSnapshot;
import io.github.lb4j.Endpoint;
import io.github.lb4j.EndpointState;
import io.github.lb4j.HealthState;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Micrometer meters for one {@link Balancer}: per endpoint its calls in flight, outcomes,
 * ejections, health, latency average and share of recent picks; for the balancer its membership and
 * how evenly it spreads calls.
 *
 * <pre>{@code
 * BalancerMetrics metrics = BalancerMetrics.of(balancer);
 * metrics.bindTo(registry);            // any MeterRegistry, e.g. Prometheus
 * }</pre>
 *
 * <p>Every meter is tagged {@code balancer} (the balancer's name); per-endpoint meters also {@code
 * endpoint} (the endpoint's id). Per endpoint:
 *
 * <ul>
 *   <li>{@code lb4j.endpoint.in.flight}: gauge, calls acquired and not yet closed;
 *   <li>{@code lb4j.endpoint.successes}, {@code lb4j.endpoint.failures}, {@code
 *       lb4j.endpoint.picks}, {@code lb4j.endpoint.ejections}: counters since the endpoint joined;
 *   <li>{@code lb4j.endpoint.health}: one gauge per {@link HealthState}, tag {@code state} ({@code
 *       healthy}, {@code unhealthy}, {@code ejected}), 1 for the current state and 0 for the
 *       others;
 *   <li>{@code lb4j.endpoint.latency.average}: time gauge, the peak-sensitive latency average (0
 *       unless the balancer times calls);
 *   <li>{@code lb4j.endpoint.recent.share}: gauge in {@code [0, 1]}, its share of the recent picks.
 * </ul>
 *
 * <p>Per balancer: {@code lb4j.balancer.endpoints} and {@code lb4j.balancer.endpoints.healthy},
 * {@code lb4j.balancer.in.flight}, {@code lb4j.balancer.recent.picks}, and the balance quality of
 * {@link BalanceQuality}: {@code lb4j.balancer.picks.max.over.mean}, {@code
 * lb4j.balancer.in.flight.max.over.mean} and {@code lb4j.balancer.remapped.share} (NaN unless the
 * picker hashes and membership or health changed once).
 *
 * <p>Meters follow membership through the balancer's {@link BalancerListener}: an endpoint that
 * joins gets its meters, one that leaves loses them, and every meter is removed when the balancer
 * closes or {@link #close()} is called.
 *
 * <p>Cost: the meters read one {@link Balancer#snapshot()}, reused until it is older than {@link
 * Builder#snapshotMaxAge} (1 s by default) on the registry's clock, so a scrape of any size reads
 * the balancer once and allocates one snapshot and one index. Nothing is measured on the call path:
 * a snapshot never blocks {@code choose()} or {@code acquire()}.
 *
 * <p>Threading: safe to use from any thread. Registration and removal are serialized by a lock of
 * this object's own, which gauge reads never take.
 */
public final class BalancerMetrics implements MeterBinder, AutoCloseable {

  private static final Duration DEFAULT_SNAPSHOT_MAX_AGE = Duration.ofSeconds(1);

  private final Balancer balancer;
  private final Tags tags;
  private final long snapshotMaxAgeNanos;
  private final BalancerListener listener = new MembershipListener();
  // Guarded by this: one binding per registry this binder was bound to.
  private final List<Binding> bindings = new ArrayList<>();
  private boolean listening;
  private boolean closed;

  private BalancerMetrics(Balancer balancer, Tags tags, Duration snapshotMaxAge) {
    this.balancer = balancer;
    this.tags = tags.and("balancer", balancer.name());
    this.snapshotMaxAgeNanos = snapshotMaxAge.toNanos();
  }

  /**
   * Meters for {@code balancer} with the default settings.
   *
   * @param balancer the balancer to measure
   * @return the binder, to bind to a registry
   */
  public static BalancerMetrics of(Balancer balancer) {
    return builder(balancer).build();
  }

  /**
   * A builder of meters for {@code balancer}, for extra tags or another snapshot age.
   *
   * @param balancer the balancer to measure
   * @return a new builder
   */
  public static Builder builder(Balancer balancer) {
    return new Builder(Objects.requireNonNull(balancer, "balancer"));
  }

  /**
   * Registers this balancer's meters in {@code registry}. Binding to several registries is allowed;
   * binding twice to the same registry does nothing more. Does nothing if the balancer or this
   * binder is closed.
   */
  @Override
  public synchronized void bindTo(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    if (closed || balancer.isClosed()) {
      return;
    }
    for (Binding b : bindings) {
      if (b.registry == registry) {
        return;
      }
    }
    if (!listening) {
      // Listen before reading the membership: a change after the read arrives as an event, which
      // waits for this lock and so applies after the registration below.
      balancer.addListener(listener);
      listening = true;
    }
    Binding binding = new Binding(registry);
    bindings.add(binding);
    binding.registerBalancerMeters();
    for (Endpoint endpoint : balancer.endpoints()) {
      binding.registerEndpoint(endpoint);
    }
  }

  /**
   * Removes every meter this binder registered and stops following the balancer. Idempotent; the
   * balancer itself is not closed.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    balancer.removeListener(listener);
    removeAll();
  }

  private void removeAll() {
    for (Binding b : bindings) {
      b.removeAll();
    }
    bindings.clear();
  }

  private synchronized void onAdded(Endpoint endpoint) {
    for (Binding b : bindings) {
      b.invalidate();
      b.registerEndpoint(endpoint);
    }
  }

  private synchronized void onRemoved(Endpoint endpoint) {
    for (Binding b : bindings) {
      b.invalidate();
      b.removeEndpoint(endpoint.id());
    }
  }

  private synchronized void onBalancerClosed() {
    removeAll();
  }

  /** Applies membership events to the meters; runs outside the balancer's lock. */
  private final class MembershipListener implements BalancerListener {
    @Override
    public void onEndpointAdded(Balancer b, Endpoint endpoint) {
      onAdded(endpoint);
    }

    @Override
    public void onEndpointRemoved(Balancer b, Endpoint endpoint) {
      onRemoved(endpoint);
    }

    @Override
    public void onClosed(Balancer b) {
      onBalancerClosed();
    }
  }

  /** One snapshot with its endpoints indexed by id, and when it was read. */
  private record Reading(
      long readAtNanos, BalancerSnapshot snapshot, Map<String, EndpointState> byId) {}

  /**
   * The meters of one registry, and the snapshot they read (on that registry's clock). Meter state
   * is guarded by the enclosing binder's lock; {@link #reading} is read by gauges without a lock.
   */
  private final class Binding {
    final MeterRegistry registry;
    final List<Meter> balancerMeters = new ArrayList<>();
    final Map<String, List<Meter>> endpointMeters = new LinkedHashMap<>();
    private volatile Reading reading;

    Binding(MeterRegistry registry) {
      this.registry = registry;
    }

    /** The current snapshot, read again when the last one is too old. */
    Reading reading() {
      long now = registry.config().clock().monotonicTime();
      Reading r = reading;
      if (r == null || now - r.readAtNanos >= snapshotMaxAgeNanos) {
        // Two racing scrapes may both read; either result is a valid, recent snapshot.
        BalancerSnapshot snapshot = balancer.snapshot();
        Map<String, EndpointState> byId = new HashMap<>(snapshot.endpoints().size() * 2);
        for (EndpointState s : snapshot.endpoints()) {
          byId.put(s.endpoint().id(), s);
        }
        r = new Reading(now, snapshot, byId);
        reading = r;
      }
      return r;
    }

    /** Makes the next read take a fresh snapshot, so a new endpoint's meters show at once. */
    void invalidate() {
      reading = null;
    }

    double endpoint(String id, ToDoubleFunction<EndpointState> value) {
      EndpointState state = reading().byId().get(id);
      return state == null ? Double.NaN : value.applyAsDouble(state);
    }

    double balance(ToDoubleFunction<BalancerSnapshot> value) {
      return value.applyAsDouble(reading().snapshot());
    }

    void registerBalancerMeters() {
      balancerGauge(
          "lb4j.balancer.endpoints", "member endpoints", "endpoints", s -> s.endpoints().size());
      balancerGauge(
          "lb4j.balancer.endpoints.healthy",
          "healthy member endpoints",
          "endpoints",
          BalancerSnapshot::healthyCount);
      balancerGauge(
          "lb4j.balancer.in.flight",
          "calls in flight over all endpoints",
          "calls",
          BalancerSnapshot::totalInFlight);
      balancerGauge(
          "lb4j.balancer.recent.picks",
          "calls acquired during the recent window",
          "calls",
          s -> s.balance().recentPicks());
      balancerGauge(
          "lb4j.balancer.picks.max.over.mean",
          "the busiest endpoint's recent picks over the mean per endpoint (1 is even)",
          null,
          s -> s.balance().picksMaxOverMean());
      balancerGauge(
          "lb4j.balancer.in.flight.max.over.mean",
          "the busiest endpoint's calls in flight over the mean per endpoint (1 is even)",
          null,
          s -> s.balance().inFlightMaxOverMean());
      balancerGauge(
          "lb4j.balancer.remapped.share",
          "share of keys remapped by the last change of the available endpoints (hashing pickers)",
          null,
          s -> s.balance().remappedShare().orElse(Double.NaN));
    }

    private void balancerGauge(
        String name, String description, String unit, ToDoubleFunction<BalancerSnapshot> value) {
      balancerMeters.add(
          Gauge.builder(name, this, b -> b.balance(value))
              .description(description)
              .baseUnit(unit)
              .tags(tags)
              .strongReference(true)
              .register(registry));
    }

    void registerEndpoint(Endpoint endpoint) {
      String id = endpoint.id();
      if (endpointMeters.containsKey(id)) {
        return;
      }
      Tags endpointTags = tags.and("endpoint", id);
      List<Meter> meters = new ArrayList<>(11);
      meters.add(
          Gauge.builder(
                  "lb4j.endpoint.in.flight", this, b -> b.endpoint(id, EndpointState::inFlight))
              .description("calls acquired and not yet closed")
              .baseUnit("calls")
              .tags(endpointTags)
              .strongReference(true)
              .register(registry));
      meters.add(
          counter(
              "lb4j.endpoint.successes",
              "calls reported successful",
              endpointTags,
              id,
              EndpointState::successes));
      meters.add(
          counter(
              "lb4j.endpoint.failures",
              "calls reported failed",
              endpointTags,
              id,
              EndpointState::failures));
      meters.add(
          counter(
              "lb4j.endpoint.picks",
              "calls acquired on this endpoint",
              endpointTags,
              id,
              EndpointState::picks));
      meters.add(
          counter(
              "lb4j.endpoint.ejections",
              "times outlier detection ejected it",
              endpointTags,
              id,
              EndpointState::ejections));
      for (HealthState state : HealthState.values()) {
        ToDoubleFunction<EndpointState> inState = s -> s.health() == state ? 1 : 0;
        meters.add(
            Gauge.builder("lb4j.endpoint.health", this, b -> b.endpoint(id, inState))
                .description("1 for the endpoint's current health state, 0 for the others")
                .tags(endpointTags.and(Tag.of("state", state.name().toLowerCase(Locale.ROOT))))
                .strongReference(true)
                .register(registry));
      }
      meters.add(
          TimeGauge.builder(
                  "lb4j.endpoint.latency.average",
                  this,
                  TimeUnit.NANOSECONDS,
                  b -> b.endpoint(id, EndpointState::latencyEwmaNanos))
              .description(
                  "peak-sensitive moving average of call latency (0 unless calls are timed)")
              .tags(endpointTags)
              .strongReference(true)
              .register(registry));
      meters.add(
          Gauge.builder(
                  "lb4j.endpoint.recent.share",
                  this,
                  b -> b.endpoint(id, EndpointState::recentShare))
              .description("share of the balancer's recent picks that went to this endpoint")
              .tags(endpointTags)
              .strongReference(true)
              .register(registry));
      endpointMeters.put(id, meters);
    }

    private Meter counter(
        String name,
        String description,
        Tags endpointTags,
        String id,
        ToDoubleFunction<EndpointState> value) {
      // The binder holds this binding, and the balancer's listener holds the binder.
      return FunctionCounter.builder(name, this, b -> b.endpoint(id, value))
          .description(description)
          .tags(endpointTags)
          .register(registry);
    }

    void removeEndpoint(String id) {
      List<Meter> meters = endpointMeters.remove(id);
      if (meters != null) {
        meters.forEach(registry::remove);
      }
    }

    void removeAll() {
      balancerMeters.forEach(registry::remove);
      balancerMeters.clear();
      endpointMeters.values().forEach(meters -> meters.forEach(registry::remove));
      endpointMeters.clear();
    }
  }

  /**
   * Settings of a {@link BalancerMetrics}. Not thread-safe; {@link #build()} copies the settings.
   */
  public static final class Builder {
    private final Balancer balancer;
    private Tags tags = Tags.empty();
    private Duration snapshotMaxAge = DEFAULT_SNAPSHOT_MAX_AGE;

    private Builder(Balancer balancer) {
      this.balancer = balancer;
    }

    /**
     * Extra tags on every meter, such as the service that owns the balancer.
     *
     * @param tags the tags; not {@code balancer}, {@code endpoint} or {@code state}
     * @return this builder
     */
    public Builder tags(Iterable<Tag> tags) {
      Objects.requireNonNull(tags, "tags");
      for (Tag tag : tags) {
        if (tag.getKey().equals("balancer")
            || tag.getKey().equals("endpoint")
            || tag.getKey().equals("state")) {
          throw new IllegalArgumentException(
              "tags: " + tag.getKey() + " (expected: a key other than balancer, endpoint, state)");
        }
      }
      this.tags = Tags.of(tags);
      return this;
    }

    /**
     * How long the meters reuse one balancer snapshot: long enough that one scrape reads the
     * balancer once, short enough that consecutive scrapes see fresh numbers. Zero reads a fresh
     * snapshot for every meter. 1 s by default.
     *
     * @param maxAge how long a snapshot is reused, {@code >= 0}
     * @return this builder
     */
    public Builder snapshotMaxAge(Duration maxAge) {
      Objects.requireNonNull(maxAge, "maxAge");
      if (maxAge.isNegative()) {
        throw new IllegalArgumentException("maxAge: " + maxAge + " (expected: >= 0)");
      }
      this.snapshotMaxAge = maxAge;
      return this;
    }

    /** {@return the binder; bind it to a registry with {@link BalancerMetrics#bindTo}} */
    public BalancerMetrics build() {
      return new BalancerMetrics(balancer, tags, snapshotMaxAge);
    }
  }
}
