package io.github.lb4j.discovery;

import io.github.lb4j.Endpoint;
import io.github.lb4j.internal.Checks;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The outcome of one {@linkplain PollingSource.Look look} at a polled source: a set of endpoints,
 * an authoritative "nothing there", or a failure to look at all. Only a found set or, when the
 * source is configured to remove on empty, an empty one replaces the set a subscriber already has;
 * a failure keeps it.
 *
 * <p>Create one with {@link #found}, {@link #empty} or {@link #failed}; the constructor accepts the
 * same combinations only.
 *
 * @param kind what happened
 * @param endpoints the endpoints found, sorted by id; empty unless {@code kind} is {@code FOUND}
 * @param next when to look again, as the source sees it (a DNS TTL, a poll interval); {@code null}
 *     for failures, which retry after the source's {@linkplain PollingSource.Builder#retryDelay
 *     retry delay}
 * @param detail a short human explanation for logs: what was found, or why nothing was
 */
public record Resolution(Kind kind, List<Endpoint> endpoints, Duration next, String detail) {

  /** What a look found. */
  public enum Kind {
    /** At least one endpoint. */
    FOUND,
    /** An authoritative answer that there is none: no such name, no records, an empty file. */
    EMPTY,
    /** No answer at all: a timeout, an unreadable file, a malformed answer. */
    FAILED
  }

  private static final Comparator<Endpoint> BY_ID = Comparator.comparing(Endpoint::id);

  /**
   * Checks the combination and sorts the endpoints.
   *
   * @param kind what happened
   * @param endpoints the endpoints found; empty unless {@code kind} is {@code FOUND}
   * @param next when to look again, or {@code null}
   * @param detail a short human explanation for logs
   * @throws IllegalArgumentException when the endpoints or {@code next} do not fit the kind
   */
  public Resolution {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(endpoints, "endpoints");
    Objects.requireNonNull(detail, "detail");
    if ((kind == Kind.FOUND) == endpoints.isEmpty()) {
      throw new IllegalArgumentException(
          "endpoints: "
              + endpoints
              + " (expected: "
              + (kind == Kind.FOUND ? "at least one" : "none")
              + " for "
              + kind
              + ")");
    }
    if (kind == Kind.FAILED) {
      if (next != null) {
        throw new IllegalArgumentException(
            "next: " + next + " (expected: null for FAILED: failures retry after the retry delay)");
      }
    } else {
      Checks.positive("next", next);
    }
    endpoints = endpoints.stream().sorted(BY_ID).toList();
  }

  /**
   * Endpoints were found; an empty list makes an {@link #empty} resolution.
   *
   * @param next when to look again, {@code > 0}
   * @param endpoints the endpoints found
   * @param detail a short human explanation for logs
   * @return the resolution
   */
  public static Resolution found(List<Endpoint> endpoints, Duration next, String detail) {
    return endpoints.isEmpty()
        ? empty(next, detail)
        : new Resolution(Kind.FOUND, endpoints, next, detail);
  }

  /**
   * The source answered that there are no endpoints.
   *
   * @param next when to look again, {@code > 0}
   * @param detail a short human explanation for logs
   * @return the resolution
   */
  public static Resolution empty(Duration next, String detail) {
    return new Resolution(Kind.EMPTY, List.of(), next, detail);
  }

  /**
   * The look got no answer; {@code detail} says why.
   *
   * @param detail why the look got no answer
   * @return the resolution
   */
  public static Resolution failed(String detail) {
    return new Resolution(Kind.FAILED, List.of(), null, detail);
  }
}
