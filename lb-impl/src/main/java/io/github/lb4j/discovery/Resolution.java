package io.github.lb4j.discovery;

import io.github.lb4j.Endpoint;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The outcome of one look at a source: a set of endpoints, an authoritative "nothing there", or a
 * failure to look at all. Only a found set or, when configured, an empty one replaces the set a
 * subscriber already has.
 *
 * @param kind what happened
 * @param endpoints the endpoints found, sorted by id; empty unless {@code kind} is {@code FOUND}
 * @param next when to look again, as the source sees it (the DNS TTL, the poll interval); {@code
 *     null} for failures, which retry on the subscription's own schedule
 * @param detail a short human explanation for logs: what was found, or why nothing was
 */
record Resolution(Kind kind, List<Endpoint> endpoints, Duration next, String detail) {

  enum Kind {
    FOUND,
    EMPTY,
    FAILED
  }

  private static final Comparator<Endpoint> BY_ID = Comparator.comparing(Endpoint::id);

  Resolution {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(detail, "detail");
    endpoints = endpoints.stream().sorted(BY_ID).toList();
  }

  static Resolution found(List<Endpoint> endpoints, Duration next, String detail) {
    return endpoints.isEmpty()
        ? empty(next, detail)
        : new Resolution(Kind.FOUND, endpoints, next, detail);
  }

  static Resolution empty(Duration next, String detail) {
    return new Resolution(Kind.EMPTY, List.of(), next, detail);
  }

  static Resolution failed(String detail) {
    return new Resolution(Kind.FAILED, List.of(), null, detail);
  }
}
