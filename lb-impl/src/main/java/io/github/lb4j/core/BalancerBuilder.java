package io.github.lb4j.core;

import static io.github.lb4j.internal.Checks.positive;

import io.github.lb4j.Balancer;
import io.github.lb4j.BalancerListener;
import io.github.lb4j.Endpoint;
import io.github.lb4j.PickerFactory;
import io.github.lb4j.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.function.Consumer;

/**
 * Configures and builds a {@link Balancer}. Obtain one from {@link Balancers#builder()}.
 *
 * <pre>{@code
 * Balancer balancer = Balancers.builder()
 *     .name("tiles")
 *     .endpoints("http://10.0.0.1:8080", "http://10.0.0.2:8080")
 *     .picker(Pickers.leastConnection())
 *     .build();
 * }</pre>
 *
 * <p>Every setter validates its argument at once. Threading: a builder is not thread safe and
 * builds one balancer: a second {@link #build()} throws, because the picker factory (which may hold
 * a round-robin position) belongs to the balancer it was given to.
 */
public final class BalancerBuilder {
  static final Duration DEFAULT_LATENCY_DECAY = Duration.ofSeconds(10);
  static final Duration DEFAULT_BALANCE_WINDOW = Duration.ofSeconds(10);
  static final Duration DEFAULT_FAILURE_PENALTY = Duration.ofSeconds(1);
  static final int DEFAULT_LATENCY_SAMPLING = 8;
  static final int MAX_LATENCY_SAMPLING = 1 << 10;

  private String name = "default";
  private PickerFactory picker;
  private Ticker ticker = Ticker.system();
  private Duration latencyDecay = DEFAULT_LATENCY_DECAY;
  private Duration failurePenalty = DEFAULT_FAILURE_PENALTY;
  private boolean timeCalls;
  private int latencySampling = DEFAULT_LATENCY_SAMPLING;
  private Executor eventExecutor = Runnable::run;
  private double panicThreshold;
  private Duration balanceWindow = DEFAULT_BALANCE_WINDOW;
  private final List<Endpoint> endpoints = new ArrayList<>();
  private final List<BalancerListener> listeners = new ArrayList<>();
  private ScheduledExecutorService scheduler;
  private HealthCheckBuilder healthCheck;
  private OutlierDetectionBuilder outlierDetection;
  private WarmUpBuilder warmUp;
  private boolean built;

  BalancerBuilder() {}

  /**
   * The name used in logs, errors and snapshots; {@code "default"} unless set.
   *
   * @param name the balancer's name, not blank
   * @return this builder
   */
  public BalancerBuilder name(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("name: '" + name + "' (expected: not blank)");
    }
    this.name = name;
    return this;
  }

  /**
   * Adds endpoints to the initial membership.
   *
   * @param endpoints the endpoints to add
   * @return this builder
   */
  public BalancerBuilder endpoints(Collection<Endpoint> endpoints) {
    Objects.requireNonNull(endpoints, "endpoints");
    for (Endpoint e : endpoints) {
      endpoints(Objects.requireNonNull(e, "endpoints: contains null"));
    }
    return this;
  }

  /**
   * Adds endpoints to the initial membership.
   *
   * @param endpoints the endpoints to add
   * @return this builder
   */
  public BalancerBuilder endpoints(Endpoint... endpoints) {
    Objects.requireNonNull(endpoints, "endpoints");
    for (Endpoint e : endpoints) {
      this.endpoints.add(Objects.requireNonNull(e, "endpoints: contains null"));
    }
    return this;
  }

  /**
   * Adds endpoints to the initial membership, each given by its address ({@link Endpoint#of}).
   *
   * @param addresses the endpoints' addresses, absolute URIs with a host
   * @return this builder
   * @throws IllegalArgumentException when an address is not an absolute URI with a host
   */
  public BalancerBuilder endpoints(String... addresses) {
    Objects.requireNonNull(addresses, "addresses");
    for (String address : addresses) {
      this.endpoints.add(Endpoint.of(Objects.requireNonNull(address, "addresses: contains null")));
    }
    return this;
  }

  /**
   * The choice strategy; {@link Pickers#roundRobin()} unless set.
   *
   * @param picker the factory of the pickers the balancer uses
   * @return this builder
   */
  public BalancerBuilder picker(PickerFactory picker) {
    this.picker = Objects.requireNonNull(picker, "picker");
    return this;
  }

  /**
   * The time source for latency measurement and decay; the system ticker unless set.
   *
   * @param ticker the time source
   * @return this builder
   */
  public BalancerBuilder ticker(Ticker ticker) {
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    return this;
  }

  /**
   * How fast the per-endpoint latency average forgets: the time constant of its exponential decay,
   * 10 seconds unless set (Finagle's default). Peak-EWMA picking and snapshots use this average.
   *
   * @param latencyDecay the time constant, {@code > 0}
   * @return this builder
   */
  public BalancerBuilder latencyDecay(Duration latencyDecay) {
    this.latencyDecay = positive("latencyDecay", latencyDecay);
    return this;
  }

  /**
   * The latency a failed call is charged in the latency average, at least: 1 second unless set.
   * Finagle's rule: a call that fails fast must not make its endpoint look fast, or a broken
   * endpoint answering errors at once would draw the traffic of a latency-aware picker.
   *
   * @param failurePenalty the least latency a failure counts as, {@code >= 0}
   * @return this builder
   */
  public BalancerBuilder failurePenalty(Duration failurePenalty) {
    Objects.requireNonNull(failurePenalty, "failurePenalty");
    if (failurePenalty.isNegative()) {
      throw new IllegalArgumentException("failurePenalty: " + failurePenalty + " (expected: >= 0)");
    }
    this.failurePenalty = failurePenalty;
    return this;
  }

  /**
   * Whether to time every tracked call, so that snapshots report each endpoint's latency average
   * ({@link io.github.lb4j.EndpointState#latencyEwmaNanos()}) whatever the picker. Off unless set:
   * timing costs a clock read when a call is acquired and one when it is reported. Latency-aware
   * pickers (peak-EWMA) time calls regardless.
   *
   * @param timeCalls whether to time every tracked call
   * @return this builder
   */
  public BalancerBuilder timeCalls(boolean timeCalls) {
    this.timeCalls = timeCalls;
    return this;
  }

  /**
   * How many calls per endpoint share one latency sample when calls are timed: 8 unless set, so
   * that an endpoint's 1st, 9th, 17th... call is timed, each timed call costing two clock reads
   * (tens of nanoseconds each on some machines: about 37 ns on the virtual machine the benchmarks
   * ran on, more than the rest of a lease) and the others none. A call is timed regardless when its
   * endpoint's last sample is older than a sixty-fourth of the {@link #latencyDecay} (156 ms by
   * default), so endpoints called rarely are measured on every call; set 1 to time every call. A
   * failure is always charged (at least the failure penalty), timed or not, and an endpoint's first
   * call is always timed.
   *
   * @param everyNth a power of two in {@code [1, 1024]}
   * @return this builder
   */
  public BalancerBuilder latencySampling(int everyNth) {
    if (everyNth < 1 || everyNth > MAX_LATENCY_SAMPLING || Integer.bitCount(everyNth) != 1) {
      throw new IllegalArgumentException(
          "latencySampling: "
              + everyNth
              + " (expected: a power of two in [1, "
              + MAX_LATENCY_SAMPLING
              + "])");
    }
    this.latencySampling = everyNth;
    return this;
  }

  /**
   * Where listener events are delivered. Events are always delivered one at a time, in the order of
   * the changes, after the change is visible and outside the balancer's lock. Unless set, the
   * thread that made a change delivers (a thread that finds another one delivering leaves its
   * events to it), so tests see events as soon as the call returns; give an executor (a single
   * thread, a shared pool: delivery is serialized per balancer either way) to keep slow listeners
   * off the threads that change membership and health.
   *
   * @param executor the executor that delivers listener events
   * @return this builder
   */
  public BalancerBuilder eventExecutor(Executor executor) {
    this.eventExecutor = Objects.requireNonNull(executor, "eventExecutor");
    return this;
  }

  /**
   * Envoy's panic threshold: when fewer than this share of the endpoints are healthy, choose among
   * all of them, healthy or not, rather than overload the few that are left. {@code 0} (the
   * default) turns panic mode off: with no healthy endpoint, choosing fails fast with {@link
   * io.github.lb4j.NoAvailableEndpointException}. Envoy uses {@code 0.5}.
   *
   * @param share a fraction in {@code [0, 1]}
   * @return this builder
   */
  public BalancerBuilder panicThreshold(double share) {
    if (!(share >= 0 && share <= 1)) {
      throw new IllegalArgumentException("panicThreshold: " + share + " (expected: in [0, 1])");
    }
    this.panicThreshold = share;
    return this;
  }

  /**
   * Turns on active health checks, configured by {@code config}; see {@link HealthCheckBuilder} for
   * what is checked and the defaults. Endpoints that fail them are not chosen; when none is left,
   * choosing fails fast with {@link io.github.lb4j.NoAvailableEndpointException} ("all N endpoints
   * unhealthy") unless {@link #panicThreshold} is set. Probing starts when the balancer is built
   * and stops when it is closed.
   *
   * <pre>{@code
   * .healthCheck(h -> h.path("/health").interval(Duration.ofSeconds(5)).unhealthyThreshold(3))
   * }</pre>
   *
   * @param config sets the health check's options
   * @return this builder
   */
  public BalancerBuilder healthCheck(Consumer<HealthCheckBuilder> config) {
    Objects.requireNonNull(config, "config");
    HealthCheckBuilder b = new HealthCheckBuilder();
    config.accept(b);
    this.healthCheck = b;
    return this;
  }

  /**
   * Turns on passive health checks (outlier ejection), configured by {@code config}; see {@link
   * OutlierDetectionBuilder} for the rules and defaults. Only calls made with {@code acquire()} and
   * reported on their lease count.
   *
   * @param config sets the outlier detection's options
   * @return this builder
   * @throws IllegalArgumentException when the maximum ejection time is below the base
   */
  public BalancerBuilder outlierDetection(Consumer<OutlierDetectionBuilder> config) {
    Objects.requireNonNull(config, "config");
    OutlierDetectionBuilder b = new OutlierDetectionBuilder();
    config.accept(b);
    b.validate();
    this.outlierDetection = b;
    return this;
  }

  /**
   * Turns on warm-up (slow start), configured by {@code config}; see {@link WarmUpBuilder}. Off
   * unless set.
   *
   * @param config sets the warm-up's options
   * @return this builder
   */
  public BalancerBuilder warmUp(Consumer<WarmUpBuilder> config) {
    Objects.requireNonNull(config, "config");
    WarmUpBuilder b = new WarmUpBuilder();
    config.accept(b);
    this.warmUp = b;
    return this;
  }

  /**
   * The scheduler of health probes, ejection ends, warm-up steps and periodic picker rebuilds
   * ({@link PickerFactory#rebuildPeriod()}). Unless set, a balancer that needs one starts a single
   * daemon thread and stops it on close; a scheduler given here is shared, used only for short
   * tasks and left running on close. Tests give a fake one, together with a fake {@link #ticker},
   * to drive time by hand.
   *
   * @param scheduler the scheduler of the balancer's timed work
   * @return this builder
   */
  public BalancerBuilder scheduler(ScheduledExecutorService scheduler) {
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    return this;
  }

  /**
   * The length of the window over which snapshots report each endpoint's recent share of calls
   * ({@link io.github.lb4j.BalanceQuality}); 10 seconds unless set.
   *
   * @param window the window length, {@code > 0}
   * @return this builder
   */
  public BalancerBuilder balanceWindow(Duration window) {
    this.balanceWindow = positive("balanceWindow", window);
    return this;
  }

  /**
   * Registers a listener before the initial endpoints are added, so it hears about them.
   *
   * @param listener the listener to register
   * @return this builder
   */
  public BalancerBuilder listener(BalancerListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
    return this;
  }

  /**
   * Builds the balancer.
   *
   * @return the balancer, started
   * @throws IllegalArgumentException when two initial endpoints share an id
   * @throws IllegalStateException when this builder already built a balancer
   */
  public Balancer build() {
    return buildDefault();
  }

  DefaultBalancer buildDefault() {
    if (built) {
      throw new IllegalStateException("build() was already called on this builder");
    }
    DefaultBalancer balancer =
        new DefaultBalancer(
            name,
            picker != null ? picker : Pickers.roundRobin(),
            ticker,
            latencyDecay.toNanos(),
            failurePenalty.toNanos(),
            latencySampling,
            panicThreshold,
            balanceWindow,
            timeCalls,
            eventExecutor,
            endpoints,
            listeners);
    built = true;
    Duration rebuildPeriod = balancer.pickerRebuildPeriod();
    if (healthCheck == null
        && outlierDetection == null
        && warmUp == null
        && rebuildPeriod.isZero()) {
      return balancer;
    }
    ScheduledExecutorService executor = scheduler != null ? scheduler : ownScheduler();
    if (!rebuildPeriod.isZero()) {
      balancer.enablePeriodicRebuild(rebuildPeriod.toNanos(), executor);
    }
    if (warmUp != null) {
      balancer.enableWarmUp(warmUp.build(), executor);
    }
    ActiveHealthChecker checker = null;
    if (healthCheck != null) {
      checker = healthCheck.build(balancer, executor);
    }
    OutlierDetector detector = null;
    if (outlierDetection != null) {
      detector = outlierDetection.build(balancer, executor, checker);
      balancer.attach(detector);
      detector.start();
    }
    if (checker != null) {
      balancer.attach(checker);
      checker.start();
    }
    if (scheduler == null) {
      balancer.attach(executor::shutdownNow);
    }
    return balancer;
  }

  private ScheduledExecutorService ownScheduler() {
    String threadName = "lb4j-" + name + "-health";
    ScheduledThreadPoolExecutor executor =
        new ScheduledThreadPoolExecutor(
            1,
            task -> {
              Thread t = new Thread(task, threadName);
              t.setDaemon(true);
              return t;
            });
    executor.setRemoveOnCancelPolicy(true);
    return executor;
  }
}
