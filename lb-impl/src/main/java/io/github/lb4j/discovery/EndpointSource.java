package io.github.lb4j.discovery;

import io.github.lb4j.Endpoint;
import java.util.List;
import java.util.function.Consumer;

/**
 * A source of endpoint sets: DNS records, a file, a registry. Implement it to plug another kind of
 * discovery into {@link Discovery#bind}.
 *
 * <p>A source is a description, not a running thing: each {@link #subscribe} starts an independent
 * subscription with its own state, and closing the subscription stops it.
 *
 * <p>Contract for implementations: deliver a complete set each time (never a delta), only when it
 * differs from the last delivered one; never deliver concurrently to one consumer; start no new
 * delivery once {@link Subscription#close()} has returned. Sets delivered are immutable and sorted
 * in a stable order, so that a reordered DNS answer is not a change.
 *
 * <p>Threading: {@code subscribe} may be called from any thread. Implementations must be safe to
 * subscribe to more than once.
 */
public interface EndpointSource {

  /**
   * Starts watching and delivers each new endpoint set to {@code updates}.
   *
   * <p>The built-in sources look once on the calling thread before returning, so a set known at
   * that moment has already been delivered when this method returns; later sets are delivered on a
   * scheduler thread. A consumer that throws is logged and handed the same set again at the next
   * refresh.
   *
   * @param updates told of each new set; must not block for long
   * @return the handle that refreshes and stops the subscription
   */
  Subscription subscribe(Consumer<List<Endpoint>> updates);
}
