package io.github.lb4j.dns;

import io.github.lb4j.Ticker;
import io.github.lb4j.discovery.EndpointSource;
import io.github.lb4j.discovery.PollingSource;
import io.github.lb4j.internal.Checks;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.regex.Pattern;

/**
 * Configures a DNS endpoint source. Obtain one from {@link DnsDiscovery#dns(String, int)} (A and
 * AAAA records, a fixed port) or {@link DnsDiscovery#dnsSrv(String)} (SRV records: port and weight
 * from each record, targets resolved to their addresses, priorities as tiers when {@link
 * #priorityTiers(boolean)} is on).
 *
 * <pre>{@code
 * EndpointSource workers = DnsDiscovery.dnsSrv("_http._tcp.workers.default.svc.cluster.local")
 *     .ttlFloor(Duration.ofSeconds(5))
 *     .build();
 * }</pre>
 *
 * <p>Endpoints are identified by {@code scheme://ip:port}, so an endpoint that stays in DNS keeps
 * its id, and with it its counters and its place in a hash ring, across refreshes. The sources look
 * again when the smallest TTL of the records used runs out, kept within {@linkplain #ttlFloor the
 * floor} and {@linkplain #ttlCeiling the ceiling}. When a look fails (timeout, SERVFAIL, a
 * malformed answer) the last good set stays and the look is retried after the floor; the first
 * failure of a streak is logged at WARN, the rest at DEBUG. An empty answer (no such name, no
 * records) keeps the last good set too, unless {@link #removeOnEmpty(boolean)} says otherwise.
 *
 * <p>Every setter validates its argument at once. Threading: a builder is not thread safe; the
 * source it builds is.
 */
public final class DnsSourceBuilder {
  static final Duration DEFAULT_TTL_FLOOR = Duration.ofSeconds(5);
  static final Duration DEFAULT_TTL_CEILING = Duration.ofMinutes(5);
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(3);
  private static final Pattern SCHEME = Pattern.compile("[a-zA-Z][a-zA-Z0-9+.-]*");
  private static final Pattern PORT = Pattern.compile("[0-9]{1,5}");

  private final boolean srv;
  private final String name;
  private final int port;
  private final List<InetSocketAddress> servers = new ArrayList<>();
  private final PollingSource.Builder polling = PollingSource.builder();
  private Duration timeout = DEFAULT_TIMEOUT;
  private Duration ttlFloor = DEFAULT_TTL_FLOOR;
  private Duration ttlCeiling = DEFAULT_TTL_CEILING;
  private String scheme = "http";
  private boolean priorityTiers;

  DnsSourceBuilder(boolean srv, String name, int port) {
    this.srv = srv;
    this.name = Checks.notBlank("name", name).strip();
    if (this.name.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException(
          "name: '" + name + "' (expected: a DNS name without spaces)");
    }
    this.port = srv ? 0 : Checks.port("port", port);
  }

  /**
   * Asks this DNS server instead of the system's; call again to add more, tried in order. Without
   * servers, the system's resolver configuration applies, search domains included; with servers,
   * the name is taken as absolute.
   *
   * @param server an IP address with an optional port (53 by default), such as {@code 10.96.0.10},
   *     {@code 127.0.0.1:5353} or {@code [::1]:5353}
   * @return this builder
   */
  public DnsSourceBuilder server(String server) {
    Objects.requireNonNull(server, "server");
    IllegalArgumentException bad =
        new IllegalArgumentException(
            "server: '"
                + server
                + "' (expected: an IP address with an optional port,"
                + " e.g. 10.0.0.2 or [::1]:5353)");
    String text = server.strip();
    String host = text;
    String port = null;
    if (text.startsWith("[")) { // [IPv6] or [IPv6]:PORT
      int close = text.indexOf(']');
      if (close < 0 || (close + 1 < text.length() && text.charAt(close + 1) != ':')) {
        throw bad;
      }
      host = text.substring(1, close);
      port = close + 1 < text.length() ? text.substring(close + 2) : null;
      if (host.indexOf(':') < 0) {
        throw bad; // brackets are for IPv6 only
      }
    } else if (text.indexOf(':') >= 0 && text.indexOf(':') == text.lastIndexOf(':')) {
      host = text.substring(0, text.indexOf(':')); // IPv4:PORT; more colons: a bare IPv6 literal
      port = text.substring(text.indexOf(':') + 1);
    }
    if (port != null && !PORT.matcher(port).matches()) {
      throw bad;
    }
    InetAddress address = IpLiterals.parse(host).orElseThrow(() -> bad);
    int portNumber = port == null ? 53 : Checks.port("server port", Integer.parseInt(port));
    servers.add(new InetSocketAddress(address, portNumber));
    return this;
  }

  /**
   * How long one query waits for one server's answer; 3 seconds unless set.
   *
   * @param timeout the wait per query and server, {@code > 0}
   * @return this builder
   */
  public DnsSourceBuilder timeout(Duration timeout) {
    this.timeout = Checks.positive("timeout", timeout);
    return this;
  }

  /**
   * The shortest time between two looks, whatever the TTL says (a TTL of 0 is common), and the
   * retry delay after a failed look; 5 seconds unless set.
   *
   * @param ttlFloor the shortest refresh interval, {@code > 0}
   * @return this builder
   */
  public DnsSourceBuilder ttlFloor(Duration ttlFloor) {
    this.ttlFloor = Checks.positive("ttlFloor", ttlFloor);
    return this;
  }

  /**
   * The longest time between two looks, whatever the TTL says; 5 minutes unless set.
   *
   * @param ttlCeiling the longest refresh interval, {@code > 0}
   * @return this builder
   */
  public DnsSourceBuilder ttlCeiling(Duration ttlCeiling) {
    this.ttlCeiling = Checks.positive("ttlCeiling", ttlCeiling);
    return this;
  }

  /**
   * The URI scheme of the endpoints' addresses; {@code http} unless set.
   *
   * @param scheme the scheme, such as {@code https}
   * @return this builder
   */
  public DnsSourceBuilder scheme(String scheme) {
    Objects.requireNonNull(scheme, "scheme");
    if (!SCHEME.matcher(scheme).matches()) {
      throw new IllegalArgumentException(
          "scheme: '" + scheme + "' (expected: a URI scheme such as http or https)");
    }
    this.scheme = scheme;
    return this;
  }

  /**
   * Whether an authoritative empty answer (no such name, no records) empties the set; {@code false}
   * unless set, so that a zone being edited or a service scaled to zero by mistake does not take
   * every endpoint away at once.
   *
   * @param removeOnEmpty whether an empty answer empties the set
   * @return this builder
   */
  public DnsSourceBuilder removeOnEmpty(boolean removeOnEmpty) {
    polling.removeOnEmpty(removeOnEmpty);
    return this;
  }

  /**
   * Whether SRV records of every priority become endpoints, each carrying its priority's rank as
   * its tier ({@link io.github.lb4j.Endpoint#PRIORITY}: 0 for the lowest SRV priority, 1 for the
   * next, ...), so that a tier-aware picker ({@code Pickers.locality()}) keeps the higher ones as
   * backups and moves traffic to them as the lower tiers lose healthy endpoints. {@code false}
   * unless set: only the lowest priority is used (RFC 2782), because a picker that ignores tiers
   * would spread calls over the backups as well. An address reached at two priorities keeps the
   * lower one.
   *
   * @param priorityTiers {@code true} to use every priority as a tier, {@code false} for only the
   *     lowest
   * @return this builder
   * @throws IllegalStateException for an A/AAAA source, which has no priorities
   */
  public DnsSourceBuilder priorityTiers(boolean priorityTiers) {
    if (!srv) {
      throw new IllegalStateException(
          "priorityTiers: only SRV records have priorities (this is an A/AAAA source for "
              + name
              + ")");
    }
    this.priorityTiers = priorityTiers;
    return this;
  }

  /**
   * Runs the refreshes on this scheduler, which the caller owns and shuts down. Unless set, each
   * subscription starts one daemon thread and stops it when closed. Looks block for up to the
   * timeouts, so a shared scheduler should have a thread to spare.
   *
   * @param scheduler the scheduler to run refreshes on
   * @return this builder
   */
  public DnsSourceBuilder scheduler(ScheduledExecutorService scheduler) {
    polling.scheduler(scheduler);
    return this;
  }

  /**
   * The time source for how long a failure streak lasted; the system ticker unless set.
   *
   * @param ticker the time source
   * @return this builder
   */
  public DnsSourceBuilder ticker(Ticker ticker) {
    polling.ticker(ticker);
    return this;
  }

  /**
   * Builds the source; nothing is resolved until it is subscribed to.
   *
   * @return the source
   * @throws IllegalArgumentException when the floor is above the ceiling or dnsjava rejects the
   *     name
   */
  public EndpointSource build() {
    if (ttlFloor.compareTo(ttlCeiling) > 0) {
      throw new IllegalArgumentException(
          "ttlFloor: " + ttlFloor + " (expected: <= ttlCeiling " + ttlCeiling + ")");
    }
    DnsLook look =
        DnsLook.create(
            srv,
            priorityTiers,
            name,
            port,
            scheme,
            List.copyOf(servers),
            timeout,
            ttlFloor,
            ttlCeiling);
    String description = srv ? "dns-srv:" + name : "dns:" + name + ":" + port;
    return polling.retryDelay(ttlFloor).build(description, look);
  }
}
