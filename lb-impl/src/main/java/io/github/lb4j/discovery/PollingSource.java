package io.github.lb4j.discovery;

import io.github.lb4j.Endpoint;
import io.github.lb4j.Ticker;
import io.github.lb4j.internal.Checks;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;

/**
 * A source that looks again and again: the service-provider interface for sources that poll, such
 * as the file source here and the DNS sources of {@code lb-dns}. Implement a {@link Look} that asks
 * your registry once; this class does the rest of the {@link EndpointSource} contract:
 *
 * <ul>
 *   <li>the first look runs on the thread that subscribes, the next ones on the scheduler, each
 *       when the previous {@link Resolution#next()} says, a failed one after the {@linkplain
 *       Builder#retryDelay retry delay};
 *   <li>a set is delivered only when it differs from the last one (same ids, addresses, weights and
 *       metadata in id order is no change); a failure or, unless {@linkplain Builder#removeOnEmpty
 *       removeOnEmpty}, an empty answer keeps the last good set;
 *   <li>problems are logged at WARN once per streak, then at DEBUG; a look that throws counts as
 *       failed.
 * </ul>
 *
 * <pre>{@code
 * EndpointSource consul = PollingSource.builder()
 *     .retryDelay(Duration.ofSeconds(2))
 *     .build("consul:workers", () -> Resolution.found(askConsul(), Duration.ofSeconds(10), "ok"));
 * }</pre>
 *
 * <p>Threading: subscribing is safe from any thread and a source may be subscribed to many times;
 * each subscription runs its looks one at a time.
 */
public final class PollingSource implements EndpointSource {
  /** The retry delay unless set. */
  public static final Duration DEFAULT_RETRY_DELAY = Duration.ofSeconds(5);

  /**
   * One look at the source: the part a polling source plugs in.
   *
   * <p>Threading: called by one thread at a time per subscription (the subscribing thread, the
   * scheduler, or a caller of {@link Subscription#refresh()}). It may block, bounded by the
   * source's own timeouts; a thrown exception counts as a failed look.
   */
  @FunctionalInterface
  public interface Look {
    /**
     * Looks once and says what was found.
     *
     * @return what was found, or why nothing was
     * @throws Exception when the look fails; it counts as a failed look
     */
    Resolution look() throws Exception;
  }

  private final String description;
  private final Look look;
  private final ScheduledExecutorService scheduler; // null: one thread per subscription
  private final Ticker ticker;
  private final Duration retryDelay;
  private final boolean removeOnEmpty;

  private PollingSource(String description, Look look, Builder settings) {
    this.description = description;
    this.look = look;
    this.scheduler = settings.scheduler;
    this.ticker = settings.ticker;
    this.retryDelay = settings.retryDelay;
    this.removeOnEmpty = settings.removeOnEmpty;
  }

  /**
   * Settings with their defaults: a 5 s retry delay, keep on empty, a thread per subscription.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public Subscription subscribe(Consumer<List<Endpoint>> updates) {
    Objects.requireNonNull(updates, "updates");
    boolean owned = scheduler == null;
    ScheduledExecutorService executor =
        owned
            ? Executors.newSingleThreadScheduledExecutor(
                r -> {
                  Thread t = new Thread(r, "lb4j-discovery " + description);
                  t.setDaemon(true);
                  return t;
                })
            : scheduler;
    Refresher refresher =
        new Refresher(
            description, look, updates, executor, owned, ticker, retryDelay, removeOnEmpty);
    refresher.refresh();
    return refresher;
  }

  /** The description given to {@link Builder#build}. */
  @Override
  public String toString() {
    return description;
  }

  /**
   * The settings of a polling source. Every setter validates its argument at once. Threading: not
   * thread safe; the sources it builds are.
   */
  public static final class Builder {
    private Duration retryDelay = DEFAULT_RETRY_DELAY;
    private boolean removeOnEmpty;
    private ScheduledExecutorService scheduler;
    private Ticker ticker = Ticker.system();

    private Builder() {}

    /**
     * How long after a failed look the next one starts; 5 seconds unless set.
     *
     * @param retryDelay the wait after a failed look, {@code > 0}
     * @return this builder
     */
    public Builder retryDelay(Duration retryDelay) {
      this.retryDelay = Checks.positive("retryDelay", retryDelay);
      return this;
    }

    /**
     * Whether an authoritative empty answer empties the set; {@code false} unless set, so that a
     * source edited by mistake does not take every endpoint away at once.
     *
     * @param removeOnEmpty whether an empty answer empties the set
     * @return this builder
     */
    public Builder removeOnEmpty(boolean removeOnEmpty) {
      this.removeOnEmpty = removeOnEmpty;
      return this;
    }

    /**
     * Runs the looks on this scheduler, which the caller owns and shuts down. Unless set, each
     * subscription starts one daemon thread and stops it when closed. Looks may block, so a shared
     * scheduler should have a thread to spare.
     *
     * @param scheduler the scheduler to run looks on
     * @return this builder
     */
    public Builder scheduler(ScheduledExecutorService scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /**
     * The time source for how long a failure streak lasted; the system ticker unless set.
     *
     * @param ticker the time source
     * @return this builder
     */
    public Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * A source with these settings; nothing is looked at until it is subscribed to.
     *
     * @param description names the source in logs and thread names, such as {@code file:/etc/w}
     * @param look asks the source once
     * @return the source
     */
    public PollingSource build(String description, Look look) {
      Checks.notBlank("description", description);
      Objects.requireNonNull(look, "look");
      return new PollingSource(description, look, this);
    }
  }
}
