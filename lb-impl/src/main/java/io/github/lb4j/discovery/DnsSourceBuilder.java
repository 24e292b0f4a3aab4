package io.github.lb4j.discovery;

import com.google.common.net.HostAndPort;
import com.google.common.net.InetAddresses;
import io.github.lb4j.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.regex.Pattern;

/**
 * Configures a DNS endpoint source. Obtain one from {@link Discovery#dns(String, int)} (A and AAAA
 * records, a fixed port) or {@link Discovery#dnsSrv(String)} (SRV records: port and weight from
 * each record, targets resolved to their addresses).
 *
 * <pre>{@code
 * EndpointSource workers = Discovery.dnsSrv("_http._tcp.workers.default.svc.cluster.local")
 *     .ttlFloor(Duration.ofSeconds(5))
 *     .build();
 * }</pre>
 *
 * <p>Endpoints are identified by {@code scheme://ip:port}, so an endpoint that stays in DNS keeps
 * its id, and with it its counters and its place in a hash ring, across refreshes. The sources look
 * again when the smallest TTL of the records used runs out, kept within {@linkplain #ttlFloor the
 * floor} and {@linkplain #ttlCeiling the ceiling}. When a look fails (timeout, SERVFAIL, a malformed
 * answer) the last good set stays and the look is retried after the floor; the first failure of a
 * streak is logged at WARN, the rest at DEBUG. An empty answer (no such name, no records) keeps the
 * last good set too, unless {@link #removeOnEmpty(boolean)} says otherwise.
 *
 * <p>Needs {@code dnsjava:dnsjava} on the class path. Every setter validates its argument at once.
 * Threading: a builder is not thread safe; the source it builds is.
 */
public final class DnsSourceBuilder {
  static final Duration DEFAULT_TTL_FLOOR = Duration.ofSeconds(5);
  static final Duration DEFAULT_TTL_CEILING = Duration.ofMinutes(5);
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(3);
  private static final Pattern SCHEME = Pattern.compile("[a-zA-Z][a-zA-Z0-9+.-]*");

  private final boolean srv;
  private final String name;
  private final int port;
  private final List<HostAndPort> servers = new ArrayList<>();
  private Duration timeout = DEFAULT_TIMEOUT;
  private Duration ttlFloor = DEFAULT_TTL_FLOOR;
  private Duration ttlCeiling = DEFAULT_TTL_CEILING;
  private String scheme = "http";
  private boolean removeOnEmpty;
  private ScheduledExecutorService scheduler;
  private Ticker ticker = Ticker.system();

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
   */
  public DnsSourceBuilder server(String server) {
    Objects.requireNonNull(server, "server");
    String expected = " (expected: an IP address with an optional port, e.g. 10.0.0.2 or [::1]:5353)";
    HostAndPort parsed;
    try {
      parsed = HostAndPort.fromString(server.strip()).withDefaultPort(53);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("server: '" + server + "'" + expected, e);
    }
    if (!InetAddresses.isInetAddress(parsed.getHost())) {
      throw new IllegalArgumentException("server: '" + server + "'" + expected);
    }
    Checks.port("server port", parsed.getPort());
    servers.add(parsed);
    return this;
  }

  /** How long one query waits for one server's answer; 3 seconds unless set. */
  public DnsSourceBuilder timeout(Duration timeout) {
    this.timeout = Checks.positive("timeout", timeout);
    return this;
  }

  /**
   * The shortest time between two looks, whatever the TTL says (a TTL of 0 is common), and the
   * retry delay after a failed look; 5 seconds unless set.
   */
  public DnsSourceBuilder ttlFloor(Duration ttlFloor) {
    this.ttlFloor = Checks.positive("ttlFloor", ttlFloor);
    return this;
  }

  /** The longest time between two looks, whatever the TTL says; 5 minutes unless set. */
  public DnsSourceBuilder ttlCeiling(Duration ttlCeiling) {
    this.ttlCeiling = Checks.positive("ttlCeiling", ttlCeiling);
    return this;
  }

  /** The URI scheme of the endpoints' addresses; {@code http} unless set. */
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
   */
  public DnsSourceBuilder removeOnEmpty(boolean removeOnEmpty) {
    this.removeOnEmpty = removeOnEmpty;
    return this;
  }

  /**
   * Runs the refreshes on this scheduler, which the caller owns and shuts down. Unless set, each
   * subscription starts one daemon thread and stops it when closed. Looks block for up to the
   * timeouts, so a shared scheduler should have a thread to spare.
   */
  public DnsSourceBuilder scheduler(ScheduledExecutorService scheduler) {
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    return this;
  }

  /** The time source for how long a failure streak lasted; the system ticker unless set. */
  public DnsSourceBuilder ticker(Ticker ticker) {
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    return this;
  }

  /**
   * Builds the source; nothing is resolved until it is subscribed to.
   *
   * @throws IllegalArgumentException when the floor is above the ceiling or dnsjava rejects the name
   * @throws IllegalStateException when dnsjava is not on the class path
   */
  public EndpointSource build() {
    if (ttlFloor.compareTo(ttlCeiling) > 0) {
      throw new IllegalArgumentException(
          "ttlFloor: " + ttlFloor + " (expected: <= ttlCeiling " + ttlCeiling + ")");
    }
    try {
      Class.forName("org.xbill.DNS.Lookup", false, DnsSourceBuilder.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(
          "DNS discovery needs dnsjava on the class path: add the dependency dnsjava:dnsjava (3.6.x)",
          e);
    }
    DnsLook look =
        DnsLook.create(srv, name, port, scheme, List.copyOf(servers), timeout, ttlFloor, ttlCeiling);
    String description = srv ? "dns-srv:" + name : "dns:" + name + ":" + port;
    return new PollingSource(description, look, scheduler, ticker, ttlFloor, removeOnEmpty);
  }
}
