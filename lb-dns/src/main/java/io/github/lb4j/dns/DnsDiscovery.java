package io.github.lb4j.dns;

import io.github.lb4j.discovery.Discovery;
import io.github.lb4j.discovery.EndpointSource;
import io.github.lb4j.discovery.SourceKind;
import java.util.List;

/**
 * DNS endpoint sources on dnsjava: the A and AAAA records of a name with a fixed port, or SRV
 * records with their ports and weights. Bind them to a balancer with {@link Discovery#bind}:
 *
 * <pre>{@code
 * Balancer balancer = Balancers.builder().name("workers").picker(Pickers.leastConnection()).build();
 * Subscription discovery = Discovery.bind(
 *     DnsDiscovery.dnsSrv("_http._tcp.workers.default.svc.cluster.local").build(), balancer);
 * ...
 * discovery.close();
 * balancer.close();
 * }</pre>
 *
 * <p>{@link #parse} reads the one-line forms {@code dns:NAME:PORT[@SERVER]} and {@code
 * dns-srv:NAME[@SERVER]} besides those of {@link Discovery#parse(String)}.
 *
 * <p>Threading: every method is safe to call from any thread.
 */
public final class DnsDiscovery {
  private static final List<SourceKind> KINDS =
      List.of(
          SourceKind.of("dns", "dns:NAME:PORT[@SERVER]", DnsDiscovery::parseAddresses),
          SourceKind.of("dns-srv", "dns-srv:NAME[@SERVER]", DnsDiscovery::parseSrv));

  private DnsDiscovery() {}

  /**
   * A DNS source over the A and AAAA records of {@code name}, every address with {@code port}.
   *
   * @param name a host name, such as a Kubernetes headless service {@code
   *     workers.default.svc.cluster.local}
   * @param port the port of every endpoint, in {@code [1, 65535]}
   * @return a new builder
   * @throws IllegalArgumentException when the name is blank or the port out of range
   */
  public static DnsSourceBuilder dns(String name, int port) {
    return new DnsSourceBuilder(false, name, port);
  }

  /**
   * A DNS source over the SRV records of {@code name}: each record of the lowest priority gives a
   * target, a port and a weight, and the target's addresses become endpoints; with {@link
   * DnsSourceBuilder#priorityTiers(boolean)}, records of every priority do, the priorities ranked
   * into tiers. Weight 0 counts as 1, the smallest share a balancer can give. Each endpoint's
   * metadata {@code dns.target} holds its target's host name, for TLS server names or {@code Host}
   * headers.
   *
   * @param name a service name, such as {@code _http._tcp.workers.default.svc.cluster.local}
   * @return a new builder
   * @throws IllegalArgumentException when the name is blank
   */
  public static DnsSourceBuilder dnsSrv(String name) {
    return new DnsSourceBuilder(true, name, 0);
  }

  /**
   * A source from a one-line description with default settings, for command lines and configuration
   * files: the forms of {@link Discovery#parse(String)} and
   *
   * <ul>
   *   <li>{@code dns:NAME:PORT} — {@link #dns(String, int)}
   *   <li>{@code dns-srv:NAME} — {@link #dnsSrv(String)}
   * </ul>
   *
   * <p>Both take an optional {@code @SERVER} suffix naming the DNS server, such as {@code
   * dns:workers.test:8080@127.0.0.1:5353} or {@code dns-srv:_http._tcp.workers@[::1]:53}.
   *
   * @param spec the one-line description
   * @return the source it describes
   * @throws IllegalArgumentException when the description does not follow one of these forms
   */
  public static EndpointSource parse(String spec) {
    return Discovery.parse(spec, KINDS);
  }

  /**
   * The {@code dns} and {@code dns-srv} forms, to combine with other modules' kinds in {@link
   * Discovery#parse(String, List)}.
   *
   * @return the DNS kinds of source
   */
  public static List<SourceKind> kinds() {
    return KINDS;
  }

  private static EndpointSource parseAddresses(String rest) {
    String[] target = splitServer(rest);
    int portColon = target[0].lastIndexOf(':');
    if (portColon < 0) {
      throw new IllegalArgumentException("missing :PORT");
    }
    String port = target[0].substring(portColon + 1);
    int number;
    try {
      number = Integer.parseInt(port);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("port: '" + port + "' is no number");
    }
    return withServer(dns(target[0].substring(0, portColon), number), target[1]).build();
  }

  private static EndpointSource parseSrv(String rest) {
    String[] target = splitServer(rest);
    return withServer(dnsSrv(target[0]), target[1]).build();
  }

  /** {@code NAME[@SERVER]}: the name, and the server or {@code null}. */
  private static String[] splitServer(String rest) {
    int at = rest.lastIndexOf('@');
    return at < 0
        ? new String[] {rest, null}
        : new String[] {rest.substring(0, at), rest.substring(at + 1)};
  }

  private static DnsSourceBuilder withServer(DnsSourceBuilder builder, String server) {
    return server == null ? builder : builder.server(server);
  }
}
