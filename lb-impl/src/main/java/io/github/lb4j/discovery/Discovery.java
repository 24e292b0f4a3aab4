package io.github.lb4j.discovery;

import io.github.lb4j.Balancer;
import io.github.lb4j.BalancerListener;
import io.github.lb4j.Endpoint;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Endpoint discovery: the built-in {@link EndpointSource}s and {@link #bind}, which keeps a
 * balancer's membership equal to what a source says.
 *
 * <pre>{@code
 * Balancer balancer = Balancers.builder().name("workers").picker(Pickers.leastConnection()).build();
 * Subscription discovery = Discovery.bind(
 *     Discovery.dnsSrv("_http._tcp.workers.default.svc.cluster.local").build(), balancer);
 * ...
 * discovery.close();
 * balancer.close();
 * }</pre>
 *
 * <p>Membership changes go through {@link Balancer#setEndpoints}, so endpoints that stay keep their
 * in-flight counts, statistics, health and round-robin position, and a hash ring moves only the keys
 * of endpoints that came or went.
 *
 * <p>Threading: every method is safe to call from any thread.
 */
public final class Discovery {
  private static final Logger log = LoggerFactory.getLogger(Discovery.class);

  static final String SPEC_FORMAT =
      "dns:NAME:PORT, dns-srv:NAME, file:PATH or static:URL[,URL...];"
          + " dns and dns-srv take an optional @SERVER, e.g. dns-srv:_http._tcp.workers@10.0.0.2:53";

  private Discovery() {}

  /**
   * Subscribes {@code balancer} to {@code source}: each set the source delivers becomes the
   * balancer's membership. Close the returned subscription to stop; when the balancer is closed
   * first, the subscription closes itself at once.
   *
   * <p>With the built-in sources, a set known at once is already applied when this method returns.
   *
   * @return the subscription, to refresh or close
   */
  public static Subscription bind(EndpointSource source, Balancer balancer) {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(balancer, "balancer");
    if (balancer.isClosed()) {
      throw new IllegalStateException("balancer '" + balancer.name() + "' is closed");
    }
    Consumer<List<Endpoint>> apply =
        endpoints -> {
          try {
            balancer.setEndpoints(endpoints);
          } catch (IllegalStateException e) {
            if (!balancer.isClosed()) {
              throw e;
            } // closed during a delivery: the listener below stops the subscription
          }
        };
    Subscription subscription = source.subscribe(apply);
    balancer.addListener(
        new BalancerListener() {
          @Override
          public void onClosed(Balancer closed) {
            log.info("{}: balancer '{}' closed; stopping", source, closed.name());
            subscription.close();
          }
        });
    if (balancer.isClosed()) { // closed while subscribing, before the listener was there
      subscription.close();
    }
    return subscription;
  }

  /**
   * A source that always says the same thing; for tests, for configuration-driven setups where one
   * of the options is a plain list, and as the simplest {@link EndpointSource} to read.
   *
   * @throws IllegalArgumentException when {@code endpoints} is empty or two share an id
   */
  public static EndpointSource fixed(Collection<Endpoint> endpoints) {
    Objects.requireNonNull(endpoints, "endpoints");
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("endpoints: [] (expected: at least one endpoint)");
    }
    Set<String> ids = new HashSet<>();
    List<Endpoint> copy = new ArrayList<>();
    for (Endpoint e : endpoints) {
      Objects.requireNonNull(e, "endpoints: contains null");
      if (!ids.add(e.id())) {
        throw new IllegalArgumentException(
            "endpoints: duplicate id '" + e.id() + "' (expected: unique ids)");
      }
      copy.add(e);
    }
    copy.sort(Comparator.comparing(Endpoint::id));
    List<Endpoint> sorted = List.copyOf(copy);
    return new EndpointSource() {
      @Override
      public Subscription subscribe(Consumer<List<Endpoint>> updates) {
        Objects.requireNonNull(updates, "updates");
        updates.accept(sorted);
        return new Subscription() {
          @Override
          public void refresh() {}

          @Override
          public void close() {}
        };
      }

      @Override
      public String toString() {
        return "static:" + sorted;
      }
    };
  }

  /**
   * A DNS source over the A and AAAA records of {@code name}, every address with {@code port}.
   *
   * @param name a host name, such as a Kubernetes headless service {@code
   *     workers.default.svc.cluster.local}
   * @param port the port of every endpoint, in {@code [1, 65535]}
   * @throws IllegalArgumentException when the name is blank or the port out of range
   */
  public static DnsSourceBuilder dns(String name, int port) {
    return new DnsSourceBuilder(false, name, port);
  }

  /**
   * A DNS source over the SRV records of {@code name}: each record of the lowest priority gives a
   * target, a port and a weight, and the target's addresses become endpoints. Weight 0 counts as 1,
   * the smallest share a balancer can give.
   *
   * @param name a service name, such as {@code _http._tcp.workers.default.svc.cluster.local}
   * @throws IllegalArgumentException when the name is blank
   */
  public static DnsSourceBuilder dnsSrv(String name) {
    return new DnsSourceBuilder(true, name, 0);
  }

  /** A source over an endpoints file, read again every poll interval. */
  public static FileSourceBuilder file(Path path) {
    return new FileSourceBuilder(path);
  }

  /**
   * A source from a one-line description with default settings, for command lines and
   * configuration files:
   *
   * <ul>
   *   <li>{@code dns:NAME:PORT} — {@link #dns(String, int)}
   *   <li>{@code dns-srv:NAME} — {@link #dnsSrv(String)}
   *   <li>{@code file:PATH} — {@link #file(Path)}
   *   <li>{@code static:URL[,URL...]} — {@link #fixed(Collection)}
   * </ul>
   *
   * <p>The DNS forms take an optional {@code @SERVER} suffix naming the DNS server, such as {@code
   * dns:workers.test:8080@127.0.0.1:5353}.
   *
   * @throws IllegalArgumentException when the description does not follow one of these forms
   */
  public static EndpointSource parse(String spec) {
    Objects.requireNonNull(spec, "spec");
    String s = spec.strip();
    int colon = s.indexOf(':');
    String kind = colon < 0 ? "" : s.substring(0, colon);
    String rest = colon < 0 ? "" : s.substring(colon + 1);
    if (rest.isEmpty()) {
      throw badSpec(spec, null);
    }
    try {
      switch (kind) {
        case "static" -> {
          List<Endpoint> endpoints = new ArrayList<>();
          for (String url : rest.split(",")) {
            endpoints.add(Endpoint.of(url.strip()));
          }
          return fixed(endpoints);
        }
        case "file" -> {
          return file(Path.of(rest)).build();
        }
        case "dns" -> {
          String[] target = splitServer(rest);
          int portColon = target[0].lastIndexOf(':');
          if (portColon < 0) {
            throw badSpec(spec, "missing :PORT");
          }
          int port;
          try {
            port = Integer.parseInt(target[0].substring(portColon + 1));
          } catch (NumberFormatException e) {
            throw badSpec(spec, "port: '" + target[0].substring(portColon + 1) + "' is no number");
          }
          DnsSourceBuilder builder = dns(target[0].substring(0, portColon), port);
          return withServer(builder, target[1]).build();
        }
        case "dns-srv" -> {
          String[] target = splitServer(rest);
          return withServer(dnsSrv(target[0]), target[1]).build();
        }
        default -> throw badSpec(spec, null);
      }
    } catch (SpecException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      throw badSpec(spec, e.getMessage());
    }
  }

  private static String[] splitServer(String rest) {
    int at = rest.lastIndexOf('@');
    return at < 0
        ? new String[] {rest, null}
        : new String[] {rest.substring(0, at), rest.substring(at + 1)};
  }

  private static DnsSourceBuilder withServer(DnsSourceBuilder builder, String server) {
    return server == null ? builder : builder.server(server);
  }

  private static SpecException badSpec(String spec, String why) {
    return new SpecException(
        "spec: '" + spec + "' (expected: " + SPEC_FORMAT + ")" + (why == null ? "" : ": " + why));
  }

  /** Marks a message that already names the spec, so that it is not wrapped twice. */
  private static final class SpecException extends IllegalArgumentException {
    SpecException(String message) {
      super(message);
    }
  }
}
