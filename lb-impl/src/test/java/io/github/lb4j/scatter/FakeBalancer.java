package io.github.lb4j.scatter;

import io.github.lb4j.Balancer;
import io.github.lb4j.BalancerListener;
import io.github.lb4j.BalancerSnapshot;
import io.github.lb4j.Endpoint;
import io.github.lb4j.EndpointState;
import io.github.lb4j.HealthState;
import io.github.lb4j.Lease;
import io.github.lb4j.NoAvailableEndpointException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/** A round-robin balancer that records every lease it hands out. */
final class FakeBalancer implements Balancer {

  final List<Endpoint> endpoints = new CopyOnWriteArrayList<>();
  final List<FakeLease> leases = new CopyOnWriteArrayList<>();
  private int next;

  FakeBalancer(String... addresses) {
    for (String a : addresses) {
      endpoints.add(Endpoint.of(a));
    }
  }

  /** Leases acquired and not closed. */
  long open() {
    return leases.stream().filter(l -> !l.closed.get()).count();
  }

  long open(String id) {
    return leases.stream().filter(l -> !l.closed.get() && l.endpoint.id().equals(id)).count();
  }

  @Override
  public String name() {
    return "fake";
  }

  @Override
  public Endpoint choose() {
    return acquire().endpoint();
  }

  @Override
  public Endpoint choose(String key) {
    return choose();
  }

  @Override
  public synchronized Lease acquire() {
    if (endpoints.isEmpty()) {
      throw new NoAvailableEndpointException("fake", "no endpoints");
    }
    Endpoint e = endpoints.get(next++ % endpoints.size());
    FakeLease l = new FakeLease(e);
    leases.add(l);
    return l;
  }

  @Override
  public Lease acquire(String key) {
    return acquire();
  }

  @Override
  public void add(Endpoint endpoint) {
    endpoints.add(endpoint);
  }

  @Override
  public boolean remove(String id) {
    return endpoints.removeIf(e -> e.id().equals(id));
  }

  @Override
  public void setEndpoints(Collection<Endpoint> endpoints) {
    this.endpoints.clear();
    this.endpoints.addAll(endpoints);
  }

  @Override
  public List<Endpoint> endpoints() {
    return List.copyOf(endpoints);
  }

  @Override
  public BalancerSnapshot snapshot() {
    List<EndpointState> states = new ArrayList<>();
    for (Endpoint e : endpoints) {
      states.add(new EndpointState(e, HealthState.HEALTHY, (int) open(e.id()), 0, 0, 0, 0));
    }
    return new BalancerSnapshot("fake", "round-robin", states);
  }

  @Override
  public void addListener(BalancerListener listener) {}

  @Override
  public boolean removeListener(BalancerListener listener) {
    return false;
  }

  @Override
  public void close() {}

  static final class FakeLease implements Lease {
    final Endpoint endpoint;
    final AtomicBoolean closed = new AtomicBoolean();
    volatile String outcome = "none";

    FakeLease(Endpoint endpoint) {
      this.endpoint = endpoint;
    }

    @Override
    public Endpoint endpoint() {
      return endpoint;
    }

    @Override
    public void success() {
      report("success");
    }

    @Override
    public void failure() {
      report("failure");
    }

    @Override
    public void failure(Throwable cause) {
      report("failure");
    }

    private synchronized void report(String o) {
      if (outcome.equals("none") && !closed.get()) {
        outcome = o;
      }
    }

    @Override
    public void close() {
      closed.set(true);
    }
  }
}
