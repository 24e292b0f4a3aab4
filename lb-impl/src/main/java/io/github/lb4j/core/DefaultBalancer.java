package io.github.lb4j.core;

import io.github.lb4j.Balancer;
import io.github.lb4j.BalancerListener;
import io.github.lb4j.BalancerSnapshot;
import io.github.lb4j.Candidate;
import io.github.lb4j.Endpoint;
import io.github.lb4j.EndpointState;
import io.github.lb4j.HealthState;
import io.github.lb4j.Lease;
import io.github.lb4j.NoAvailableEndpointException;
import io.github.lb4j.Picker;
import io.github.lb4j.PickerFactory;
import io.github.lb4j.Ticker;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The balancer: one writer builds, many readers pick.
 *
 * <p>Membership and health changes take {@link #lock}, build a new member map and a new picker, and
 * publish both in one immutable {@link View} through a volatile field. {@code choose()} reads that
 * field once and never locks, so it sees either the whole old state or the whole new one. A change
 * whose picker cannot be built leaves the previous view and member map in place.
 */
final class DefaultBalancer implements Balancer {
  private static final Logger log = LoggerFactory.getLogger(DefaultBalancer.class);

  private final String name;
  private final PickerFactory pickerFactory;
  private final Ticker ticker;
  private final BalanceTracker balance;
  private final double decayNanos;
  private final double panicThreshold;
  private final AtomicInteger totalInFlight = new AtomicInteger();
  private final CopyOnWriteArrayList<BalancerListener> listeners = new CopyOnWriteArrayList<>();
  private final CopyOnWriteArrayList<AutoCloseable> resources = new CopyOnWriteArrayList<>();
  private final CopyOnWriteArrayList<OutcomeObserver> outcomeObservers =
      new CopyOnWriteArrayList<>();

  private final ReentrantLock lock = new ReentrantLock();
  // Replaced, never mutated, under the lock; read anywhere.
  private volatile Map<String, EndpointSlot> members = Map.of();
  private volatile View view;
  // Warm-up, off unless enableWarmUp was called; guarded by the lock.
  private WarmUp warmUp;
  private ScheduledExecutorService warmUpScheduler;
  private ScheduledFuture<?> warmUpStep;
  private long warmUpStepAt;

  /** Told of every reported call outcome; used by passive health checking. */
  interface OutcomeObserver {
    void onOutcome(EndpointSlot slot, boolean success, int consecutiveFailures, Throwable cause);
  }

  /** What {@code choose()} reads: the picker and everything needed to explain a failure. */
  private record View(
      Picker picker,
      String unavailableReason,
      boolean closed,
      boolean panic,
      List<Candidate> available) {}

  DefaultBalancer(
      String name,
      PickerFactory pickerFactory,
      Ticker ticker,
      double decayNanos,
      double panicThreshold,
      java.time.Duration balanceWindow,
      Collection<Endpoint> endpoints,
      List<BalancerListener> listeners) {
    this.name = name;
    this.balance = new BalanceTracker(ticker, balanceWindow);
    this.pickerFactory = pickerFactory;
    this.ticker = ticker;
    this.decayNanos = decayNanos;
    this.panicThreshold = panicThreshold;
    this.listeners.addAll(listeners);
    this.view = buildView(Map.of());
    setEndpoints(endpoints);
  }

  @Override
  public String name() {
    return name;
  }

  Ticker ticker() {
    return ticker;
  }

  @Override
  public Endpoint choose() {
    return choose0(null);
  }

  @Override
  public Endpoint choose(String key) {
    Objects.requireNonNull(key, "key");
    return choose0(key);
  }

  private Endpoint choose0(String key) {
    View v = view;
    Picker picker = v.picker;
    if (picker != null) {
      Candidate chosen = picker.pick(key);
      if (chosen != null) {
        return chosen.endpoint();
      }
    }
    throw unavailable(v);
  }

  @Override
  public Lease acquire() {
    return acquire0(null);
  }

  @Override
  public Lease acquire(String key) {
    Objects.requireNonNull(key, "key");
    return acquire0(key);
  }

  private Lease acquire0(String key) {
    View v = view;
    Picker picker = v.picker;
    if (picker != null) {
      EndpointSlot slot;
      if (picker instanceof ReservingPicker reserving) {
        slot = reserving.pickAndAcquire(key);
      } else {
        slot = asSlot(picker.pick(key));
        if (slot != null) {
          slot.acquire();
        }
      }
      if (slot != null) {
        return lease(slot);
      }
    }
    throw unavailable(v);
  }

  /** A lease on {@code slot}, whose in-flight count the caller has already raised. */
  private Lease lease(EndpointSlot slot) {
    slot.countPick();
    return new DefaultLease(this, slot, ticker.read());
  }

  @Override
  public Lease acquire(String key, Set<String> exclude) {
    Objects.requireNonNull(exclude, "exclude");
    if (exclude.isEmpty()) {
      return acquire0(key);
    }
    View v = view;
    Picker picker = v.picker;
    if (picker != null) {
      EndpointSlot slot;
      if (picker instanceof ExcludingPicker excluding) {
        slot = excluding.acquireExcluding(key, exclude);
      } else {
        slot = asSlot(picker.pick(key));
        if (slot == null || exclude.contains(slot.endpoint().id())) {
          slot = leastLoadedExcept(v.available, exclude);
        }
        if (slot != null) {
          slot.acquire();
        }
      }
      if (slot != null) {
        return lease(slot);
      }
      if (!v.closed) {
        throw new NoAvailableEndpointException(
            name,
            "all " + v.available.size() + " available endpoints excluded or over their load bound");
      }
    }
    throw unavailable(v);
  }

  /**
   * The available slot not in {@code exclude} with the fewest calls in flight per unit of weight,
   * scanning from a random place so that ties spread; {@code null} when all are excluded. This is a
   * fallback for retries, off the plain path, so it draws from {@code ThreadLocalRandom} directly.
   */
  private static EndpointSlot leastLoadedExcept(List<Candidate> available, Set<String> exclude) {
    int n = available.size();
    int start = ThreadLocalRandom.current().nextInt(n);
    EndpointSlot best = null;
    double bestLoad = Double.MAX_VALUE;
    for (int step = 0; step < n; step++) {
      EndpointSlot slot = (EndpointSlot) available.get((start + step) % n);
      double load = (double) slot.inFlight() / slot.weight();
      if (load < bestLoad && !exclude.contains(slot.endpoint().id())) {
        best = slot;
        bestLoad = load;
      }
    }
    return best;
  }

  private EndpointSlot asSlot(Candidate candidate) {
    if (candidate == null || candidate instanceof EndpointSlot) {
      return (EndpointSlot) candidate;
    }
    throw new IllegalStateException(
        "picker '"
            + pickerFactory.name()
            + "' returned "
            + candidate
            + ", which is not one of the candidates it was built with");
  }

  private RuntimeException unavailable(View v) {
    if (v.closed) {
      return closed();
    }
    return new NoAvailableEndpointException(name, v.unavailableReason);
  }

  /** A call on {@code slot} that started at {@code startNanos} succeeded at {@code now}. */
  void onSuccess(EndpointSlot slot, long startNanos, long now) {
    slot.recordSuccess(now - startNanos, now);
    for (OutcomeObserver observer : outcomeObservers) {
      observer.onOutcome(slot, true, 0, null);
    }
  }

  /** A call on {@code slot} that started at {@code startNanos} failed at {@code now}. */
  void onFailure(EndpointSlot slot, long startNanos, long now, Throwable cause) {
    int consecutive = slot.recordFailure(now - startNanos, now);
    for (OutcomeObserver observer : outcomeObservers) {
      observer.onOutcome(slot, false, consecutive, cause);
    }
  }

  @Override
  public void add(Endpoint endpoint) {
    Objects.requireNonNull(endpoint, "endpoint");
    change(
        current -> {
          if (current.containsKey(endpoint.id())) {
            throw new IllegalArgumentException(
                "endpoint: "
                    + endpoint
                    + " (expected: an id that is not a member yet; use setEndpoints to replace)");
          }
        },
        List.of(endpoint),
        true);
  }

  @Override
  public boolean remove(String id) {
    Objects.requireNonNull(id, "id");
    lock.lock();
    try {
      checkOpen();
      EndpointSlot slot = members.get(id);
      if (slot == null) {
        return false;
      }
      Map<String, EndpointSlot> next = new LinkedHashMap<>(members);
      next.remove(id);
      publish(next);
      log.info("balancer '{}': removed {}", name, slot.endpoint());
      notifyListeners(l -> l.onEndpointRemoved(this, slot.endpoint()));
      return true;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void setEndpoints(Collection<Endpoint> endpoints) {
    Objects.requireNonNull(endpoints, "endpoints");
    List<Endpoint> copy = new ArrayList<>(endpoints.size());
    Set<String> ids = new HashSet<>();
    for (Endpoint e : endpoints) {
      if (e == null) {
        throw new NullPointerException("endpoints: contains null");
      }
      if (!ids.add(e.id())) {
        throw new IllegalArgumentException(
            "endpoints: duplicate id '" + e.id() + "' (expected: unique ids)");
      }
      copy.add(e);
    }
    change(current -> {}, copy, false);
  }

  /**
   * Applies a membership change under the lock: {@code additive} adds {@code endpoints} to the
   * members, otherwise they become the members. Either the whole change is published or, if
   * anything throws, nothing is.
   */
  private void change(
      Consumer<Map<String, EndpointSlot>> precondition,
      List<Endpoint> endpoints,
      boolean additive) {
    lock.lock();
    try {
      checkOpen();
      Map<String, EndpointSlot> current = members;
      precondition.accept(current);
      Map<String, EndpointSlot> next = new LinkedHashMap<>();
      if (additive) {
        next.putAll(current);
      }
      List<Endpoint> added = new ArrayList<>();
      Map<EndpointSlot, Endpoint> updated = new LinkedHashMap<>();
      for (Endpoint e : endpoints) {
        EndpointSlot slot = current.get(e.id());
        if (slot == null) {
          slot = new EndpointSlot(e, ticker, decayNanos, totalInFlight);
          if (warmUp != null) {
            slot.startWarmUp(ticker.read());
          }
          added.add(e);
        } else if (!sameAttributes(slot.endpoint(), e)) {
          updated.put(slot, slot.endpoint());
          slot.setEndpoint(e);
        }
        next.put(e.id(), slot);
      }
      if (added.isEmpty()
          && updated.isEmpty()
          && List.copyOf(next.keySet()).equals(List.copyOf(current.keySet()))) {
        return; // the same members in the same order: nothing to rebuild or announce
      }
      try {
        publish(next);
      } catch (RuntimeException | Error failure) {
        updated.forEach(EndpointSlot::setEndpoint);
        throw failure;
      }
      List<Endpoint> removed = new ArrayList<>();
      for (EndpointSlot slot : current.values()) {
        if (!next.containsKey(slot.endpoint().id())) {
          removed.add(slot.endpoint());
        }
      }
      if (!added.isEmpty() || !removed.isEmpty() || !updated.isEmpty()) {
        log.info(
            "balancer '{}': {} endpoints (added {}, removed {}, updated {})",
            name,
            next.size(),
            added,
            removed,
            updated.keySet());
      }
      for (Endpoint e : removed) {
        notifyListeners(l -> l.onEndpointRemoved(this, e));
      }
      for (Endpoint e : added) {
        notifyListeners(l -> l.onEndpointAdded(this, e));
      }
    } finally {
      lock.unlock();
    }
  }

  private static boolean sameAttributes(Endpoint a, Endpoint b) {
    return a.address().equals(b.address())
        && a.weight() == b.weight()
        && a.metadata().equals(b.metadata());
  }

  /**
   * Changes an endpoint's health and republishes the picker. Returns whether anything changed; a
   * removed endpoint or an unchanged state is a no-op.
   */
  boolean setHealth(String id, HealthState state, String reason) {
    return transition(id, null, state, reason);
  }

  /**
   * Changes an endpoint's health from {@code from} to {@code to} and republishes the picker, only if
   * its health is {@code from} (any state when {@code from} is {@code null}) when the lock is held:
   * health checkers decide outside the lock and must not overwrite a change made meanwhile. An
   * endpoint that becomes healthy again starts warming up when warm-up is on. Returns whether
   * anything changed.
   */
  boolean transition(String id, HealthState from, HealthState to, String reason) {
    lock.lock();
    try {
      if (view.closed) {
        return false;
      }
      EndpointSlot slot = members.get(id);
      if (slot == null || slot.health() == to || (from != null && slot.health() != from)) {
        return false;
      }
      HealthState previous = slot.health();
      long warmUpStart = slot.warmUpStart();
      slot.setHealth(to);
      if (warmUp != null && to == HealthState.HEALTHY) {
        slot.startWarmUp(ticker.read());
      }
      try {
        publish(members);
      } catch (RuntimeException | Error failure) {
        slot.setHealth(previous);
        slot.restoreWarmUp(warmUpStart);
        throw failure;
      }
      log.info("balancer '{}': {} {} -> {}: {}", name, slot.endpoint(), previous, to, reason);
      notifyListeners(l -> l.onHealthChanged(this, slot.endpoint(), previous, to, reason));
      return true;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Turns warm-up on: from now on an endpoint that joins or becomes healthy again gets a growing
   * share of traffic, and the picker is rebuilt at a few steps of each window on {@code scheduler}.
   * Endpoints that are members already do not warm up: when every endpoint starts together there is
   * nothing to shield.
   */
  void enableWarmUp(WarmUp warmUp, ScheduledExecutorService scheduler) {
    lock.lock();
    try {
      this.warmUp = Objects.requireNonNull(warmUp, "warmUp");
      this.warmUpScheduler = Objects.requireNonNull(scheduler, "scheduler");
    } finally {
      lock.unlock();
    }
  }

  /** Rebuilds the picker with the warm-up factors of now; runs on the scheduler. */
  private void warmUpStep() {
    lock.lock();
    try {
      warmUpStep = null;
      if (!view.closed) {
        publish(members);
      }
    } catch (RuntimeException e) {
      log.warn("balancer '{}': rebuilding the picker for warm-up failed", name, e);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Sets every slot's warm-up factor for {@code now} and makes sure the picker is rebuilt at the
   * next step of the earliest warming endpoint. Called under the lock, before building a picker.
   */
  private void updateWarmUp(Collection<EndpointSlot> slots) {
    long now = ticker.read();
    long next = Long.MAX_VALUE;
    for (EndpointSlot slot : slots) {
      long start = slot.warmUpStart();
      if (start == EndpointSlot.NOT_WARMING) {
        continue;
      }
      long elapsed = now - start;
      double factor = warmUp.factor(elapsed);
      if (factor >= 1) {
        slot.finishWarmUp();
      } else {
        slot.setWarmUpFactor(factor);
        next = Math.min(next, warmUp.untilNextStep(elapsed));
      }
    }
    if (next == Long.MAX_VALUE) {
      return;
    }
    long at = now + next;
    if (warmUpStep != null && warmUpStepAt - at <= 0) {
      return; // an earlier or equal step is already scheduled
    }
    if (warmUpStep != null) {
      warmUpStep.cancel(false);
    }
    warmUpStepAt = at;
    warmUpStep = warmUpScheduler.schedule(this::warmUpStep, next, TimeUnit.NANOSECONDS);
  }
  /** The slot of a member, or {@code null}. */
  EndpointSlot slot(String id) {
    return members.get(id);
  }

  /** The current member slots, in membership order. */
  Collection<EndpointSlot> slots() {
    return members.values();
  }

  private void publish(Map<String, EndpointSlot> next) {
    Map<String, EndpointSlot> frozen = Collections.unmodifiableMap(next);
    View built = buildView(frozen);
    View previous = view;
    members = frozen;
    view = built;
    if (previous != null) {
      balance.onRebuild(previous.available, previous.picker, built.available, built.picker);
    }
  }

  private View buildView(Map<String, EndpointSlot> slots) {
    if (slots.isEmpty()) {
      return new View(null, "no endpoints", false, false, List.of());
    }
    if (warmUp != null) {
      updateWarmUp(slots.values());
    }
    List<Candidate> available = new ArrayList<>(slots.size());
    for (EndpointSlot slot : slots.values()) {
      if (slot.health().isAvailable()) {
        available.add(slot);
      }
    }
    boolean panic = available.size() < panicThreshold * slots.size();
    if (panic) {
      available = new ArrayList<>(slots.values());
    }
    if (available.isEmpty()) {
      return new View(null, describeUnavailable(slots.values()), false, false, List.of());
    }
    List<Candidate> frozen = List.copyOf(available);
    Picker picker = pickerFactory.newPicker(frozen);
    if (picker == null) {
      throw new IllegalStateException("picker '" + pickerFactory.name() + "' built null");
    }
    String reason =
        picker instanceof ReservingPicker
            ? "all " + available.size() + " available endpoints over their load bound"
            : "picker '" + pickerFactory.name() + "' declined all " + available.size()
                + " available endpoints";
    return new View(picker, reason, false, panic, frozen);
  }

  private static String describeUnavailable(Collection<EndpointSlot> slots) {
    int ejected = 0;
    for (EndpointSlot slot : slots) {
      if (slot.health() == HealthState.EJECTED) {
        ejected++;
      }
    }
    int n = slots.size();
    String all = "all " + n + (n == 1 ? " endpoint" : " endpoints");
    return ejected == 0
        ? all + " unhealthy"
        : all + " unhealthy or ejected (" + (n - ejected) + " unhealthy, " + ejected + " ejected)";
  }

  /** Whether the balancer currently spreads over unhealthy endpoints too (panic mode). */
  boolean inPanic() {
    return view.panic;
  }

  @Override
  public List<Endpoint> endpoints() {
    List<Endpoint> result = new ArrayList<>();
    for (EndpointSlot slot : members.values()) {
      result.add(slot.endpoint());
    }
    return Collections.unmodifiableList(result);
  }

  @Override
  public BalancerSnapshot snapshot() {
    BalanceTracker.Result result = balance.snapshot(members.values());
    return new BalancerSnapshot(name, pickerFactory.name(), result.states(), result.quality());
  }

  @Override
  public void addListener(BalancerListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  @Override
  public boolean removeListener(BalancerListener listener) {
    return listeners.remove(Objects.requireNonNull(listener, "listener"));
  }

  void addOutcomeObserver(OutcomeObserver observer) {
    outcomeObservers.add(observer);
  }

  /** Ties a resource (a health checker) to this balancer's lifetime. */
  void attach(AutoCloseable resource) {
    resources.add(resource);
  }

  private void notifyListeners(Consumer<BalancerListener> event) {
    for (BalancerListener listener : listeners) {
      try {
        event.accept(listener);
      } catch (RuntimeException e) {
        log.warn("balancer '{}': listener {} threw; ignored", name, listener, e);
      }
    }
  }

  @Override
  public boolean isClosed() {
    return view.closed;
  }

  private IllegalStateException closed() {
    return new IllegalStateException("balancer '" + name + "' is closed");
  }

  private void checkOpen() {
    if (view.closed) {
      throw closed();
    }
  }

  @Override
  public void close() {
    lock.lock();
    try {
      if (view.closed) {
        return;
      }
      view = new View(null, "closed", true, false, List.of());
      if (warmUpStep != null) {
        warmUpStep.cancel(false);
        warmUpStep = null;
      }
    } finally {
      lock.unlock();
    }
    for (AutoCloseable resource : resources) {
      try {
        resource.close();
      } catch (Exception e) {
        log.warn("balancer '{}': closing {} failed", name, resource, e);
      }
    }
    log.info("balancer '{}' closed", name);
    notifyListeners(l -> l.onClosed(this));
  }

  @Override
  public String toString() {
    return "Balancer(" + name + ", " + pickerFactory.name() + ", " + members.size() + " endpoints)";
  }
}
