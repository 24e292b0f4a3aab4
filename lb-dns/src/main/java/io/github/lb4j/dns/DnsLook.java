package io.github.lb4j.dns;

import io.github.lb4j.Endpoint;
import io.github.lb4j.discovery.PollingSource;
import io.github.lb4j.discovery.Resolution;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Lookup;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * One look at DNS through dnsjava: the addresses of a name (A and AAAA) with a fixed port, or the
 * targets, ports and weights of SRV records.
 *
 * <p>Every look asks the servers afresh (a throwaway cache per lookup): the refresh schedule
 * follows the record TTLs, so a shared cache would only serve stale answers. The next look is due
 * after the smallest TTL among the records used, kept within [floor, ceiling].
 */
final class DnsLook implements PollingSource.Look {

  /** Metadata key of SRV endpoints: the target host name, for TLS server names or Host headers. */
  static final String TARGET_KEY = "dns.target";

  private final boolean srv;
  private final boolean tiers;
  private final Name name;
  private final int port;
  private final String scheme;
  private final Resolver resolver;
  private final Duration floor;
  private final Duration ceiling;

  private DnsLook(
      boolean srv,
      boolean tiers,
      Name name,
      int port,
      String scheme,
      Resolver resolver,
      Duration floor,
      Duration ceiling) {
    this.srv = srv;
    this.tiers = tiers;
    this.name = name;
    this.port = port;
    this.scheme = scheme;
    this.resolver = resolver;
    this.floor = floor;
    this.ceiling = ceiling;
  }

  /**
   * Builds a look; the arguments were validated by the builder, except what only dnsjava can tell.
   *
   * @param tiers whether SRV records of every priority are used, ranked into tiers
   * @param servers the DNS servers' addresses; empty for the system's resolvers
   * @throws IllegalArgumentException when dnsjava rejects the name
   */
  static DnsLook create(
      boolean srv,
      boolean tiers,
      String name,
      int port,
      String scheme,
      List<InetSocketAddress> servers,
      Duration timeout,
      Duration floor,
      Duration ceiling) {
    Name parsed;
    try {
      // With explicit servers the system's search domains do not apply: the name is absolute.
      parsed = servers.isEmpty() ? Name.fromString(name) : Name.fromString(name, Name.root);
    } catch (TextParseException e) {
      throw new IllegalArgumentException(
          "name: '" + name + "' (expected: a DNS name; " + e.getMessage() + ")", e);
    }
    ExtendedResolver resolver;
    if (servers.isEmpty()) {
      resolver = new ExtendedResolver();
    } else {
      List<Resolver> each = new ArrayList<>();
      for (InetSocketAddress server : servers) {
        each.add(new SimpleResolver(server));
      }
      resolver = new ExtendedResolver(each);
    }
    // One attempt per server and query, each bounded by the timeout; the resolver as a whole gets
    // enough time to try every server once.
    resolver.setRetries(1);
    for (Resolver each : resolver.getResolvers()) {
      each.setTimeout(timeout);
    }
    resolver.setTimeout(timeout.multipliedBy(Math.max(1, resolver.getResolvers().length)));
    return new DnsLook(srv, tiers, parsed, port, scheme, resolver, floor, ceiling);
  }

  @Override
  public Resolution look() {
    return srv ? lookSrv() : lookAddresses();
  }

  private Resolution lookAddresses() {
    Answer answer = addresses(name);
    if (answer.failure != null) {
      return Resolution.failed(answer.failure);
    }
    List<Endpoint> endpoints = new ArrayList<>();
    for (InetAddress address : answer.addresses) {
      endpoints.add(endpoint(address, port, 1, Map.of()));
    }
    if (endpoints.isEmpty()) {
      return Resolution.empty(floor, answer.empty);
    }
    return Resolution.found(endpoints, clamp(answer.ttl), describe(endpoints.size(), answer.ttl));
  }

  private Resolution lookSrv() {
    Lookup lookup = lookup(name, Type.SRV);
    Record[] records = lookup.run();
    String problem = problem(lookup, name, "SRV");
    if (problem != null) {
      return failed(lookup) ? Resolution.failed(problem) : Resolution.empty(floor, problem);
    }
    // RFC 2782: the lowest priority that has usable targets first; higher ones are backups, used
    // only as tiers (ranked: the lowest priority is tier 0) or not at all.
    TreeSet<Integer> priorities = new TreeSet<>();
    for (Record r : records) {
      SRVRecord s = (SRVRecord) r;
      if (!s.getTarget().equals(Name.root)) {
        priorities.add(s.getPriority());
      }
    }
    long ttl = Long.MAX_VALUE;
    Map<String, Endpoint> byId = new LinkedHashMap<>();
    List<String> skipped = new ArrayList<>();
    for (Record r : records) {
      SRVRecord s = (SRVRecord) r;
      if (s.getTarget().equals(Name.root) || !(tiers || s.getPriority() == priorities.first())) {
        continue;
      }
      ttl = Math.min(ttl, s.getTTL());
      Answer target = addresses(s.getTarget());
      if (target.failure != null) {
        // A half-resolved set would shrink the membership for a transient error: keep the last.
        return Resolution.failed("target " + s.getTarget() + ": " + target.failure);
      }
      if (target.addresses.isEmpty()) {
        skipped.add(s.getTarget() + " (" + target.empty + ")");
        continue;
      }
      ttl = Math.min(ttl, target.ttl);
      // Weight 0 means "rarely, when others exist"; the balancer's smallest share is weight 1.
      int weight = Math.max(1, s.getWeight());
      Map<String, String> metadata = Map.of(TARGET_KEY, trimDot(s.getTarget()));
      if (tiers) {
        int tier = Math.min(priorities.headSet(s.getPriority()).size(), Endpoint.MAX_PRIORITY);
        metadata =
            Map.of(TARGET_KEY, trimDot(s.getTarget()), Endpoint.PRIORITY, Integer.toString(tier));
      }
      for (InetAddress address : target.addresses) {
        Endpoint e = endpoint(address, s.getPort(), weight, metadata);
        // Two records reaching the same address and port add up to one endpoint, in the lower
        // of their tiers.
        byId.merge(
            e.id(),
            e,
            (a, b) ->
                a.priority() == b.priority()
                    ? a.withWeight(a.weight() + b.weight())
                    : a.priority() < b.priority() ? a : b);
      }
    }
    List<Endpoint> endpoints = List.copyOf(byId.values());
    String detail = describe(endpoints.size(), ttl);
    if (!skipped.isEmpty()) {
      detail += "; skipped targets without addresses: " + skipped;
    }
    if (endpoints.isEmpty()) {
      return Resolution.empty(floor, "no SRV target of " + name + " has an address: " + skipped);
    }
    return Resolution.found(endpoints, clamp(ttl), detail);
  }

  /** The A and AAAA records of a name. */
  private Answer addresses(Name host) {
    Lookup a = lookup(host, Type.A);
    Record[] aRecords = a.run();
    Lookup aaaa = lookup(host, Type.AAAA);
    Record[] aaaaRecords = aaaa.run();
    for (Lookup l : List.of(a, aaaa)) {
      if (failed(l)) {
        return Answer.failed(problem(l, host, l == a ? "A" : "AAAA"));
      }
    }
    List<InetAddress> addresses = new ArrayList<>();
    long ttl = Long.MAX_VALUE;
    for (Record[] records : List.of(nonNull(aRecords), nonNull(aaaaRecords))) {
      for (Record r : records) {
        ttl = Math.min(ttl, r.getTTL());
        addresses.add(r instanceof ARecord ar ? ar.getAddress() : ((AAAARecord) r).getAddress());
      }
    }
    if (addresses.isEmpty()) {
      return Answer.empty(
          a.getResult() == Lookup.HOST_NOT_FOUND
              ? host + ": no such name (NXDOMAIN)"
              : host + ": no A or AAAA records");
    }
    return new Answer(addresses, ttl, null, null);
  }

  private static Record[] nonNull(Record[] records) {
    return records == null ? new Record[0] : records;
  }

  private Lookup lookup(Name what, int type) {
    Lookup lookup = new Lookup(what, type);
    lookup.setResolver(resolver);
    lookup.setCache(null); // a fresh cache for this lookup only, see the class comment
    lookup.setHostsFileParser(null); // DNS only: a local hosts file is not service discovery
    return lookup;
  }

  /** Whether a lookup failed to get an answer at all, rather than learning there is none. */
  private static boolean failed(Lookup lookup) {
    return lookup.getResult() == Lookup.TRY_AGAIN || lookup.getResult() == Lookup.UNRECOVERABLE;
  }

  /** Why a lookup found nothing, or {@code null} when it succeeded. */
  private static String problem(Lookup lookup, Name what, String type) {
    return switch (lookup.getResult()) {
      case Lookup.SUCCESSFUL -> null;
      case Lookup.HOST_NOT_FOUND -> what + ": no such name (NXDOMAIN)";
      case Lookup.TYPE_NOT_FOUND -> what + ": no " + type + " records";
      default -> what + " " + type + ": " + lookup.getErrorString();
    };
  }

  private Endpoint endpoint(InetAddress address, int port, int weight, Map<String, String> meta) {
    String host = IpLiterals.uriHost(address);
    try {
      URI uri = new URI(scheme + "://" + host + ":" + port);
      return new Endpoint(uri.toString(), uri, weight, meta);
    } catch (URISyntaxException e) {
      throw new IllegalStateException("cannot form a URI from " + host + ":" + port, e);
    }
  }

  private Duration clamp(long ttlSeconds) {
    Duration ttl = Duration.ofSeconds(ttlSeconds);
    return ttl.compareTo(floor) < 0 ? floor : ttl.compareTo(ceiling) > 0 ? ceiling : ttl;
  }

  private String describe(int count, long ttl) {
    return count + (count == 1 ? " address" : " addresses") + ", TTL " + ttl + " s";
  }

  private static String trimDot(Name n) {
    String s = n.toString();
    return s.endsWith(".") && s.length() > 1 ? s.substring(0, s.length() - 1) : s;
  }

  @Override
  public String toString() {
    return (srv ? "dns-srv:" + name : "dns:" + name + ":" + port);
  }

  /** Addresses of one name with their smallest TTL, or why there are none. */
  private record Answer(List<InetAddress> addresses, long ttl, String empty, String failure) {
    static Answer failed(String why) {
      return new Answer(List.of(), 0, null, why);
    }

    static Answer empty(String why) {
      return new Answer(List.of(), 0, why, null);
    }
  }
}
