package io.github.lb4j.discovery;

import io.github.lb4j.Endpoint;
import io.github.lb4j.Ticker;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;

/**
 * A source that looks again and again: DNS and files. Each subscription gets a {@link Refresher};
 * without an injected scheduler it also gets its own daemon thread, stopped when it closes.
 */
final class PollingSource implements EndpointSource {
  private final String description;
  private final Refresher.Look look;
  private final ScheduledExecutorService scheduler; // null: one thread per subscription
  private final Ticker ticker;
  private final Duration retryDelay;
  private final boolean removeOnEmpty;

  PollingSource(
      String description,
      Refresher.Look look,
      ScheduledExecutorService scheduler,
      Ticker ticker,
      Duration retryDelay,
      boolean removeOnEmpty) {
    this.description = description;
    this.look = look;
    this.scheduler = scheduler;
    this.ticker = ticker;
    this.retryDelay = retryDelay;
    this.removeOnEmpty = removeOnEmpty;
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

  @Override
  public String toString() {
    return description;
  }
}
