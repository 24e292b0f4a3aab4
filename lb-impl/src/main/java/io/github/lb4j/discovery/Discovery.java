package io.github.lb4j.discovery;

import io.github.lb4j.Balancer;
import io.github.lb4j.BalancerListener;
import io.github.lb4j.Endpoint;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Endpoint discovery: the built-in {@link EndpointSource}s (a fixed list, a file) and {@link
 * #bind}, which keeps a balancer's membership equal to what a source says. The DNS sources are in
 * the module {@code lb-dns} ({@code io.github.lb4j.dns.DnsDiscovery}).
 *
 * <pre>{@code
 * Balancer balancer = Balancers.builder().name("workers").picker(Pickers.leastConnection()).build();
 * Subscription discovery = Discovery.bind(
 *     Discovery.file(Path.of("/etc/workers.txt")).build(), balancer);
 * ...
 * discovery.close();
 * balancer.close();
 * }</pre>
 *
 * <p>Membership changes go through {@link Balancer#setEndpoints}, so endpoints that stay keep their
 * in-flight counts, statistics, health and round-robin position, and a hash ring moves only the
 * keys of endpoints that came or went.
 *
 * <p>Threading: every method is safe to call from any thread.
 */
public final class Discovery {
  private static final Pattern COMMA = Pattern.compile(",");
  private static final Logger log = LoggerFactory.getLogger(Discovery.class);

  /** The forms {@link #parse(String)} knows, in the order error messages list them. */
  private static final List<SourceKind> BUILT_IN =
      List.of(
          SourceKind.of("file", "file:PATH", rest -> file(Path.of(rest)).build()),
          SourceKind.of("static", "static:URL[,URL...]", Discovery::parseStatic));

  private Discovery() {}

  /**
   * Subscribes {@code balancer} to {@code source}: each set the source delivers becomes the
   * balancer's membership. Close the returned subscription to stop; when the balancer is closed
   * first, the subscription closes itself at once.
   *
   * <p>With the built-in sources, a set known at once is already applied when this method returns.
   *
   * @param source where the endpoints come from
   * @param balancer the balancer whose membership follows the source
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
   * @param endpoints the endpoints the source always delivers
   * @return the source
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
   * A source over an endpoints file, read again every poll interval.
   *
   * @param path the endpoints file
   * @return a builder of the source
   */
  public static FileSourceBuilder file(Path path) {
    return new FileSourceBuilder(path);
  }

  /**
   * A source from a one-line description with default settings, for command lines and configuration
   * files:
   *
   * <ul>
   *   <li>{@code file:PATH} — {@link #file(Path)}
   *   <li>{@code static:URL[,URL...]} — {@link #fixed(Collection)}
   * </ul>
   *
   * @param spec the one-line description
   * @return the source it describes
   * @throws IllegalArgumentException when the description does not follow one of these forms
   */
  public static EndpointSource parse(String spec) {
    return parse(spec, List.of());
  }

  /**
   * A source from a one-line description in one of {@code kinds}' forms or one of {@link
   * #parse(String)}'s, such as {@code dns:workers.test:8080} with {@code lb-dns}'s kinds.
   *
   * @param kinds the forms to accept besides the built-in ones, listed first in error messages
   * @param spec the one-line description
   * @return the source it describes
   * @throws IllegalArgumentException when the description follows none of the forms, naming the
   *     description, the forms and what is wrong; or when two kinds share a name
   */
  public static EndpointSource parse(String spec, List<? extends SourceKind> kinds) {
    Objects.requireNonNull(spec, "spec");
    Map<String, SourceKind> byName = byName(kinds);
    String s = spec.strip();
    int colon = s.indexOf(':');
    SourceKind kind = colon < 0 ? null : byName.get(s.substring(0, colon));
    String rest = colon < 0 ? "" : s.substring(colon + 1);
    if (kind == null || rest.isEmpty()) {
      throw badSpec(spec, byName, null);
    }
    EndpointSource source;
    try {
      source = kind.parse(rest);
    } catch (SpecException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      throw badSpec(spec, byName, e.getMessage());
    }
    if (source == null) {
      throw new IllegalStateException(
          "kind '" + kind.name() + "' made no source of '" + spec + "'");
    }
    return source;
  }

  /** The given kinds, then the built-in ones, by name. */
  private static Map<String, SourceKind> byName(List<? extends SourceKind> kinds) {
    Objects.requireNonNull(kinds, "kinds");
    Map<String, SourceKind> byName = new LinkedHashMap<>();
    List<SourceKind> all = new ArrayList<>(kinds);
    all.addAll(BUILT_IN);
    for (SourceKind kind : all) {
      Objects.requireNonNull(kind, "kinds: contains null");
      if (byName.putIfAbsent(kind.name(), kind) != null) {
        throw new IllegalArgumentException(
            "kinds: two kinds named '"
                + kind.name()
                + "' (expected: unique names, none of "
                + BUILT_IN.stream().map(SourceKind::name).toList()
                + ")");
      }
    }
    return byName;
  }

  private static EndpointSource parseStatic(String rest) {
    List<Endpoint> endpoints = new ArrayList<>();
    // splitAsStream drops trailing empty strings, as String.split did.
    COMMA.splitAsStream(rest).forEach(url -> endpoints.add(Endpoint.of(url.strip())));
    return fixed(endpoints);
  }

  /** The forms of {@code kinds}, for messages: {@code a, b or c}. */
  private static String forms(Collection<SourceKind> kinds) {
    List<String> forms = kinds.stream().map(SourceKind::form).toList();
    return forms.size() == 1
        ? forms.get(0)
        : String.join(", ", forms.subList(0, forms.size() - 1))
            + " or "
            + forms.get(forms.size() - 1);
  }

  private static SpecException badSpec(String spec, Map<String, SourceKind> kinds, String why) {
    return new SpecException(
        "spec: '"
            + spec
            + "' (expected: "
            + forms(kinds.values())
            + ")"
            + (why == null ? "" : ": " + why));
  }

  /** Marks a message that already names the spec, so that it is not wrapped twice. */
  private static final class SpecException extends IllegalArgumentException {
    SpecException(String message) {
      super(message);
    }
  }
}
