package io.github.lb4j.core;

import io.github.lb4j.Balancer;
import io.github.lb4j.BalancerListener;
import io.github.lb4j.BalancerSnapshot;
import io.github.lb4j.Candidate;
import io.github.lb4j.Endpoint;
import io.github.lb4j.HealthState;
import io.github.lb4j.Lease;
import io.github.lb4j.NoAvailableEndpointException;
import io.github.lb4j.Picker;
import io.github.lb4j.PickerContext;
import io.github.lb4j.PickerFactory;
import io.github.lb4j.ReservingPicker;
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
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.IntUnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The balancer: one writer builds, many readers pick.
 *
 * <p>Membership and health changes take {@link #lock}, build a new member map and a new picker, and
 * publish both in one immutable {@link View} through a volatile field. {@code choose()} reads that
 * field once and never locks, so it sees either the whole old state or the whole new one. A change
 * whose picker cannot be built leaves the previous view, member map and health records in place.
 *
 * <p>Events: a change queues its events under the lock, in the order of the changes, and delivers
 * them after releasing it through {@link Events}, one at a time. A listener may therefore call back
 * into the balancer (its change is queued behind the event being delivered), and a slow listener
 * delays neither {@code choose()} nor another thread's change.
 *
 * <p>Health: each slot's {@link EndpointSlot.Health} record is written only here, under the lock,
 * by the facts the active checker ({@link #probeVerdict}) and outlier detection ({@link #eject},
 * {@link #endEjection}) report; the published state is derived from it by one rule.
 */
final class DefaultBalancer implements Balancer {
  private static final Logger log = LoggerFactory.getLogger(DefaultBalancer.class);

  private final String name;
  private final PickerFactory pickerFactory;
  private final Ticker ticker;
  private final BalanceTracker balance;
  private final double decayNanos;
  private final long failurePenaltyNanos;
  private final int latencySamplingMask;
  private final long staleSampleNanos;
  private final double panicThreshold;
  private final boolean timesCalls;
  private final Totals totals;
  private final PickerContext context;
  private final Events events;
  private final CopyOnWriteArrayList<BalancerListener> listeners = new CopyOnWriteArrayList<>();
  private final CopyOnWriteArrayList<AutoCloseable> resources = new CopyOnWriteArrayList<>();
  private final CopyOnWriteArrayList<FailureObserver> failureObservers =
      new CopyOnWriteArrayList<>();

  private static final long RECENT_RESOLUTION_NANOS = 1_000_000;
  // A recent clock reading for pickers (PickerContext.recentNanos()); see now().
  private volatile long recentNanos;

  private final ReentrantLock lock = new ReentrantLock();
  // Replaced, never mutated, under the lock; read anywhere.
  private volatile Map<String, EndpointSlot> members = Map.of();
  private volatile View view;
  // The membership of the picker being built, for PickerContext.members(); written under the lock.
  private volatile List<Endpoint> building = List.of();
  // Warm-up, off unless enableWarmUp was called; guarded by the lock.
  private WarmUp warmUp;
  private ScheduledExecutorService warmUpScheduler;
  private ScheduledFuture<?> warmUpStep;
  private long warmUpStepAt;

  /** Told of every reported failure; used by passive health checking. */
  interface FailureObserver {
    void onFailure(EndpointSlot slot, int consecutiveFailures, Throwable cause);
  }

  /** What {@code choose()} reads: the picker and everything needed to explain a failure. */
  private record View(
      Picker picker,
      ReservingPicker reserving,
      String unavailableReason,
      boolean closed,
      boolean panic,
      List<Candidate> available) {}

  DefaultBalancer(
      String name,
      PickerFactory pickerFactory,
      Ticker ticker,
      double decayNanos,
      long failurePenaltyNanos,
      int latencySampling,
      double panicThreshold,
      java.time.Duration balanceWindow,
      boolean timeCalls,
      Executor eventExecutor,
      Collection<Endpoint> endpoints,
      List<BalancerListener> listeners) {
    this.name = name;
    this.balance = new BalanceTracker(ticker, balanceWindow);
    this.pickerFactory = pickerFactory;
    this.ticker = ticker;
    this.decayNanos = decayNanos;
    this.failurePenaltyNanos = failurePenaltyNanos;
    this.latencySamplingMask = latencySampling - 1;
    // A sixty-fourth of the average's time constant: its value has moved by about 1.5% since.
    this.staleSampleNanos = Math.max(1, (long) (decayNanos / 64));
    this.panicThreshold = panicThreshold;
    this.timesCalls = timeCalls || pickerFactory.usesLatency();
    this.totals = pickerFactory.usesTotalInFlight() ? new Totals() : null;
    this.context = new Context();
    this.recentNanos = ticker.read();
    this.events = new Events(name, eventExecutor);
    this.listeners.addAll(listeners);
    this.view = buildView(Map.of());
    setEndpoints(endpoints);
  }

  /** The balancer's side of {@link PickerContext}. */
  private final class Context implements PickerContext {
    @Override
    public Ticker ticker() {
      return ticker;
    }

    @Override
    public long recentNanos() {
      return recentNanos;
    }

    @Override
    public int totalInFlight() {
      if (totals == null) {
        throw new IllegalStateException(
            "picker '"
                + pickerFactory.name()
                + "' read totalInFlight() but its factory's usesTotalInFlight() is false");
      }
      return totals.inFlight();
    }

    @Override
    public List<Endpoint> members() {
      return building;
    }
  }

  @Override
  public String name() {
    return name;
  }

  /**
   * The clock, read by leases that time their call; also refreshes {@link #recentNanos} when it has
   * moved on by a millisecond, so that the shared field is written rarely.
   */
  long now() {
    long now = ticker.read();
    if (now - recentNanos >= RECENT_RESOLUTION_NANOS) {
      recentNanos = now;
    }
    return now;
  }

  long failurePenaltyNanos() {
    return failurePenaltyNanos;
  }

  /** {@code sampling - 1}: a call is timed when an endpoint's ended count masked by it is 0. */
  int latencySamplingMask() {
    return latencySamplingMask;
  }

  long recentNanos() {
    return recentNanos;
  }

  /** How old an endpoint's last latency sample may be before its next call is timed anyway. */
  long staleSampleNanos() {
    return staleSampleNanos;
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
    EndpointSlot slot;
    if (v.reserving != null) {
      slot = asSlot(v.reserving.reserve(key, Set.of()));
    } else if (v.picker != null) {
      slot = asSlot(v.picker.pick(key));
      if (slot != null) {
        slot.acquire();
      }
    } else {
      slot = null;
    }
    if (slot != null) {
      return new DefaultLease(slot, slot.startNanos());
    }
    throw unavailable(v);
  }

  @Override
  public Lease acquire(String key, Set<String> exclude) {
    Objects.requireNonNull(exclude, "exclude");
    if (exclude.isEmpty()) {
      return acquire0(key);
    }
    View v = view;
    if (v.picker != null) {
      EndpointSlot slot;
      if (v.reserving != null) {
        slot = asSlot(v.reserving.reserve(key, exclude));
      } else {
        slot = asSlot(v.picker.pick(key, exclude));
        if (slot == null || exclude.contains(slot.endpoint().id())) {
          slot = leastLoadedExcept(v.available, exclude);
        }
        if (slot != null) {
          slot.acquire();
        }
      }
      if (slot != null) {
        return new DefaultLease(slot, slot.startNanos());
      }
      throw new NoAvailableEndpointException(
          name,
          "all " + v.available.size() + " available endpoints excluded or over their load bound");
    }
    throw unavailable(v);
  }

  /**
   * The fallback of {@link #acquire(String, Set)} for pickers without their own way of avoiding
   * endpoints (round-robin, random, a user's): the available candidate not in {@code exclude} with
   * the fewest calls in flight per unit of effective weight, ties broken in proportion to the
   * weights, by the same rule as least-connection's retries; {@code null} when all are excluded.
   * Off the plain path (a retry), so it may copy the candidates and draw from {@code
   * ThreadLocalRandom}.
   */
  private static EndpointSlot leastLoadedExcept(List<Candidate> available, Set<String> exclude) {
    Candidate[] candidates = available.toArray(new Candidate[0]);
    return (EndpointSlot)
        LeastLoadPickerFactory.lightestAllowed(
            candidates, Weights.exact(available), null, Rng.THREAD_LOCAL, exclude);
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

  /** A call on {@code slot} failed; reported by the slot. */
  void onFailure(EndpointSlot slot, int consecutiveFailures, Throwable cause) {
    for (FailureObserver observer : failureObservers) {
      observer.onFailure(slot, consecutiveFailures, cause);
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
      Endpoint removed = slot.endpoint();
      queue(l -> l.onEndpointRemoved(this, removed));
      return true;
    } finally {
      lock.unlock();
      events.deliver();
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
          slot = newSlot(e);
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
        queue(l -> l.onEndpointRemoved(this, e));
      }
      for (Endpoint e : added) {
        queue(l -> l.onEndpointAdded(this, e));
      }
    } finally {
      lock.unlock();
      events.deliver();
    }
  }

  private EndpointSlot newSlot(Endpoint e) {
    long now = ticker.read();
    EndpointSlot slot = new EndpointSlot(this, e, totals, timesCalls, decayNanos, now);
    if (warmUp != null) {
      slot.startWarmUp(now);
    }
    return slot;
  }

  private static boolean sameAttributes(Endpoint a, Endpoint b) {
    return a.address().equals(b.address())
        && a.weight() == b.weight()
        && a.metadata().equals(b.metadata());
  }

  // ---- health: the one writer of every slot's record

  /**
   * Forces an endpoint's health, for tests and tools: {@code HEALTHY} clears every fact, {@code
   * UNHEALTHY} sets failing probes, {@code EJECTED} an ejection without end. Returns whether the
   * state changed.
   */
  boolean setHealth(String id, HealthState state, String reason) {
    return updateHealth(
        id,
        null,
        h -> {
          h.ejected = state == HealthState.EJECTED;
          h.probesFailing = state == HealthState.UNHEALTHY;
          h.awaitingProbe = false;
          return true;
        },
        reason);
  }

  /**
   * The active checker's verdict on {@code slot}: its probes pass ({@code healthy}) or fail by the
   * checker's thresholds. A passing verdict also ends the wait for a probe after an ejection.
   * Returns whether the endpoint's state changed.
   */
  boolean probeVerdict(EndpointSlot slot, boolean healthy, String reason) {
    return updateHealth(
        slot.endpoint().id(),
        slot,
        h -> {
          h.probesFailing = !healthy;
          if (healthy) {
            h.awaitingProbe = false;
          }
          return true;
        },
        reason);
  }

  /**
   * Ejects {@code slot} for {@code baseNanos} times its ejection streak (at most {@code maxNanos}),
   * unless it is not a member any more, is ejected already, or {@code maxEjected} of the members
   * are ejected. The streak grows by one per ejection and shrinks by one per {@code baseNanos}
   * spent in service since the last ejection ended. Returns the ejection time, or -1 when not
   * ejected.
   */
  long eject(
      EndpointSlot slot,
      int consecutiveFailures,
      Throwable cause,
      long baseNanos,
      long maxNanos,
      IntUnaryOperator maxEjected) {
    String why =
        consecutiveFailures
            + (consecutiveFailures == 1 ? " failure" : " consecutive failures")
            + (cause != null ? " (last: " + cause + ")" : "");
    return eject(slot, why, baseNanos, maxNanos, maxEjected);
  }

  /**
   * Ejects {@code slot} as {@link #eject(EndpointSlot, int, Throwable, long, long,
   * IntUnaryOperator)} does, for the outlier rule described by {@code why} (which starts the reason
   * of the health event). Returns the ejection time, or -1 when not ejected.
   */
  // The health record's fields, ejections included, are written only under the lock
  // (updateHealth); ejections is volatile for the snapshots that read it without the lock.
  @SuppressWarnings("NonAtomicVolatileUpdate")
  long eject(
      EndpointSlot slot, String why, long baseNanos, long maxNanos, IntUnaryOperator maxEjected) {
    long[] duration = {-1};
    updateHealth(
        slot.endpoint().id(),
        slot,
        h -> {
          if (h.ejected) {
            return false;
          }
          int size = 0;
          int ejected = 0;
          for (EndpointSlot s : members.values()) {
            size++;
            if (s.record.ejected) {
              ejected++;
            }
          }
          int allowed = maxEjected.applyAsInt(size);
          if (ejected >= allowed) {
            log.info(
                "balancer '{}': not ejecting {} after {}: {} of {} endpoints"
                    + " ejected already, the most allowed",
                name,
                slot.endpoint(),
                why,
                ejected,
                size);
            return false;
          }
          long now = ticker.read();
          if (h.ejectionStreak > 0) {
            long inService = Math.max(0, now - h.restoredAt);
            h.ejectionStreak = (int) Math.max(0, h.ejectionStreak - inService / baseNanos);
          }
          h.ejectionStreak++;
          long d =
              Math.min(maxNanos, baseNanos * Math.min(h.ejectionStreak, maxNanos / baseNanos + 1));
          h.ejected = true;
          h.ejectedUntil = now + d;
          h.ejections++;
          duration[0] = d;
          return true;
        },
        () ->
            why
                + "; ejected for "
                + java.time.Duration.ofNanos(duration[0])
                + " (ejection #"
                + slot.record.ejections
                + ")");
    if (duration[0] >= 0) {
      slot.resetConsecutiveFailures();
    }
    return duration[0];
  }

  /**
   * Ends {@code slot}'s ejection, if it is still a member and still ejected. With {@code
   * awaitProbe} (active checks on) it stays out until a probe passes. Returns whether it ended.
   */
  boolean endEjection(EndpointSlot slot, boolean awaitProbe, String reason) {
    return updateHealth(
        slot.endpoint().id(),
        slot,
        h -> {
          if (!h.ejected) {
            return false;
          }
          h.ejected = false;
          h.restoredAt = ticker.read();
          h.awaitingProbe = awaitProbe;
          return true;
        },
        reason);
  }

  /** A rule over one health record: applies its facts and says whether it applied any. */
  private interface HealthUpdate {
    boolean apply(EndpointSlot.Health record);
  }

  private boolean updateHealth(
      String id, EndpointSlot expected, HealthUpdate update, String reason) {
    return updateHealth(id, expected, update, () -> reason);
  }

  /**
   * Applies {@code update} to the record of member {@code id} (only if it is still {@code
   * expected}, when given) under the lock, derives the state by the record's rule and, if it
   * changed, republishes and queues the event. On a failed rebuild the record is put back. Returns
   * whether the state changed.
   */
  private boolean updateHealth(
      String id,
      EndpointSlot expected,
      HealthUpdate update,
      java.util.function.Supplier<String> reason) {
    lock.lock();
    try {
      if (view.closed) {
        return false;
      }
      EndpointSlot slot = members.get(id);
      if (slot == null || (expected != null && slot != expected)) {
        return false;
      }
      EndpointSlot.Health before = slot.record.copy();
      if (!update.apply(slot.record)) {
        return false;
      }
      HealthState previous = slot.health();
      HealthState next = slot.record.state();
      if (previous == next) {
        return false;
      }
      long warmUpStart = slot.warmUpStart();
      slot.setHealth(next);
      if (warmUp != null && next == HealthState.HEALTHY) {
        slot.startWarmUp(ticker.read());
      }
      try {
        publish(members);
      } catch (RuntimeException | Error failure) {
        slot.record.restore(before);
        slot.setHealth(previous);
        slot.restoreWarmUp(warmUpStart);
        throw failure;
      }
      String why = reason.get();
      log.info("balancer '{}': {} {} -> {}: {}", name, slot.endpoint(), previous, next, why);
      Endpoint endpoint = slot.endpoint();
      queue(l -> l.onHealthChanged(this, endpoint, previous, next, why));
      return true;
    } finally {
      lock.unlock();
      events.deliver();
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

  // ---- periodic rebuilds, for pickers that decide from data gathered between changes

  /** The picker factory's {@link PickerFactory#rebuildPeriod()}, checked: zero for never. */
  java.time.Duration pickerRebuildPeriod() {
    java.time.Duration period = pickerFactory.rebuildPeriod();
    if (period == null || period.isNegative()) {
      throw new IllegalArgumentException(
          "picker '" + pickerFactory.name() + "': rebuildPeriod " + period + " (expected: >= 0)");
    }
    return period;
  }

  // The next periodic rebuild; guarded by the lock.
  private ScheduledFuture<?> periodicRebuild;

  /**
   * Rebuilds the picker every {@code periodNanos} on {@code scheduler} though nothing changed
   * ({@link PickerFactory#rebuildPeriod()}), until the balancer closes.
   */
  void enablePeriodicRebuild(long periodNanos, ScheduledExecutorService scheduler) {
    lock.lock();
    try {
      periodicRebuild =
          scheduler.schedule(
              () -> periodicRebuild(periodNanos, scheduler), periodNanos, TimeUnit.NANOSECONDS);
    } finally {
      lock.unlock();
    }
    attach(
        () -> {
          lock.lock();
          try {
            if (periodicRebuild != null) {
              periodicRebuild.cancel(false);
              periodicRebuild = null;
            }
          } finally {
            lock.unlock();
          }
        });
  }

  private void periodicRebuild(long periodNanos, ScheduledExecutorService scheduler) {
    lock.lock();
    try {
      if (view.closed) {
        return;
      }
      try {
        if (!members.isEmpty()) {
          publish(members);
        }
      } catch (RuntimeException e) {
        log.warn("balancer '{}': periodic picker rebuild failed; keeping the last one", name, e);
      }
      periodicRebuild =
          scheduler.schedule(
              () -> periodicRebuild(periodNanos, scheduler), periodNanos, TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      log.debug("balancer '{}': scheduler stopped; no more periodic rebuilds", name, e);
    } finally {
      lock.unlock();
    }
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
      return new View(null, null, "no endpoints", false, false, List.of());
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
      return new View(null, null, describeUnavailable(slots.values()), false, false, List.of());
    }
    List<Candidate> frozen = List.copyOf(available);
    List<Endpoint> all = new ArrayList<>(slots.size());
    for (EndpointSlot slot : slots.values()) {
      all.add(slot.endpoint());
    }
    building = Collections.unmodifiableList(all);
    Picker picker = pickerFactory.newPicker(frozen, context);
    if (picker == null) {
      throw new IllegalStateException("picker '" + pickerFactory.name() + "' built null");
    }
    String reason =
        picker instanceof ReservingPicker
            ? "all " + available.size() + " available endpoints over their load bound"
            : "picker '"
                + pickerFactory.name()
                + "' declined all "
                + available.size()
                + " available endpoints";
    return new View(
        picker, picker instanceof ReservingPicker r ? r : null, reason, false, panic, frozen);
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

  void addFailureObserver(FailureObserver observer) {
    failureObservers.add(observer);
  }

  /** Ties a resource (a health checker) to this balancer's lifetime. */
  void attach(AutoCloseable resource) {
    resources.add(resource);
  }

  /**
   * Queues an event for the listeners registered now; under the lock, so events keep the order of
   * changes, and a listener registered later does not hear of changes made before.
   */
  private void queue(Consumer<BalancerListener> event) {
    Object[] targets = listeners.toArray();
    events.queue(
        () -> {
          for (Object target : targets) {
            BalancerListener listener = (BalancerListener) target;
            try {
              event.accept(listener);
            } catch (RuntimeException e) {
              log.warn("balancer '{}': listener {} threw; ignored", name, listener, e);
            }
          }
        });
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
      view = new View(null, null, "closed", true, false, List.of());
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
    lock.lock();
    try {
      queue(l -> l.onClosed(this));
    } finally {
      lock.unlock();
      events.deliver();
    }
  }

  @Override
  public String toString() {
    return "Balancer(" + name + ", " + pickerFactory.name() + ", " + members.size() + " endpoints)";
  }
}
