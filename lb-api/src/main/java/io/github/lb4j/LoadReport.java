package io.github.lb4j;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The load an endpoint reports about itself, in the fields of ORCA's {@code OrcaLoadReport} (the
 * Open Request Cost Aggregation format that gRPC and Envoy use), and its text form in the {@value
 * #HEADER} response header.
 *
 * <p>The header, as gRPC and Envoy write it for HTTP: {@code TEXT } followed by comma-separated
 * {@code name=value} pairs ({@code name:value} is accepted too), for example
 *
 * <pre>{@code
 * endpoint-load-metrics: TEXT cpu_utilization=0.3, rps_fractional=10, eps=0.1, named_metrics.queue=5
 * }</pre>
 *
 * <p>Names: {@code cpu_utilization}, {@code application_utilization}, {@code mem_utilization}
 * (fractions; utilization may exceed 1 when a server runs over its soft limit), {@code
 * rps_fractional} (requests per second served), {@code eps} (errors per second), {@code
 * named_metrics.NAME} and {@code utilization.NAME} (application metrics such as a queue length).
 * Every value is a finite decimal number {@code >= 0}; a name may appear once. Other names are
 * skipped, so that a server sending a field added to ORCA later is still understood; the {@code
 * JSON} and {@code BIN} forms of the header are not supported.
 *
 * <p>Two ways to read a header: {@link #parse} throws {@link IllegalArgumentException} with what
 * was wrong, for configuration and tests; {@link #tryParse} returns {@code null} instead and never
 * throws, for the response path, where a peer's malformed header must not fail the call.
 *
 * <p>Immutable and safe to share between threads; every parse returns a new instance.
 *
 * @param cpuUtilization CPU in use as a fraction of what is available, {@code >= 0}
 * @param applicationUtilization the application's own notion of utilization, {@code >= 0}; 0 when
 *     not reported
 * @param memUtilization memory in use as a fraction of what is available, {@code >= 0}
 * @param rps requests per second the endpoint serves ({@code rps_fractional}), {@code >= 0}
 * @param eps errors per second ({@code eps}), {@code >= 0}
 * @param namedMetrics application metrics ({@code named_metrics.NAME}); copied, never {@code null}
 * @param utilization application utilizations ({@code utilization.NAME}); copied, never {@code
 *     null}
 */
public record LoadReport(
    double cpuUtilization,
    double applicationUtilization,
    double memUtilization,
    double rps,
    double eps,
    Map<String, Double> namedMetrics,
    Map<String, Double> utilization) {

  /** The response header that carries a report: {@value}. */
  public static final String HEADER = "endpoint-load-metrics";

  /** The longest header value read, in characters; longer ones are rejected unread. */
  public static final int MAX_HEADER_LENGTH = 8192;

  private static final String TEXT_PREFIX = "TEXT";
  private static final String NAMED_PREFIX = "named_metrics.";
  private static final String UTILIZATION_PREFIX = "utilization.";

  /**
   * Checks and copies the components: every number finite and {@code >= 0}.
   *
   * @param cpuUtilization CPU in use as a fraction of what is available, {@code >= 0}
   * @param applicationUtilization the application's own notion of utilization, {@code >= 0}
   * @param memUtilization memory in use as a fraction of what is available, {@code >= 0}
   * @param rps requests per second the endpoint serves, {@code >= 0}
   * @param eps errors per second, {@code >= 0}
   * @param namedMetrics application metrics by name, each {@code >= 0}; not {@code null}
   * @param utilization application utilizations by name, each {@code >= 0}; not {@code null}
   * @throws IllegalArgumentException naming the component that is negative or not finite
   */
  public LoadReport {
    check("cpu_utilization", cpuUtilization);
    check("application_utilization", applicationUtilization);
    check("mem_utilization", memUtilization);
    check("rps_fractional", rps);
    check("eps", eps);
    namedMetrics = checkedCopy("namedMetrics", namedMetrics);
    utilization = checkedCopy("utilization", utilization);
  }

  /**
   * A report of CPU utilization, requests and errors per second, the three numbers a reported-load
   * picker weighs by.
   *
   * @param cpuUtilization CPU in use as a fraction of what is available, {@code >= 0}
   * @param rps requests per second the endpoint serves, {@code >= 0}
   * @param eps errors per second, {@code >= 0}
   * @return a report with these three numbers and every other field zero or empty
   * @throws IllegalArgumentException naming the number that is negative or not finite
   */
  public static LoadReport of(double cpuUtilization, double rps, double eps) {
    return new LoadReport(cpuUtilization, 0, 0, rps, eps, Map.of(), Map.of());
  }

  /**
   * This report with {@code application_utilization} set.
   *
   * @param value the application's own notion of utilization, finite and {@code >= 0}
   * @return a new report equal to this one but for {@code applicationUtilization}
   * @throws IllegalArgumentException when {@code value} is negative or not finite
   */
  public LoadReport withApplicationUtilization(double value) {
    return new LoadReport(
        cpuUtilization, value, memUtilization, rps, eps, namedMetrics, utilization);
  }

  /**
   * This report with one more (or a replaced) named metric, such as a queue length.
   *
   * @param name the metric's name, as after {@code named_metrics.} in the header; not {@code null}
   * @param value the metric's value, finite and {@code >= 0}
   * @return a new report with the metric added or replaced; this one is unchanged
   * @throws IllegalArgumentException when {@code value} is negative or not finite
   */
  public LoadReport withNamedMetric(String name, double value) {
    Map<String, Double> metrics = new HashMap<>(namedMetrics);
    metrics.put(Objects.requireNonNull(name, "name"), value);
    return new LoadReport(
        cpuUtilization, applicationUtilization, memUtilization, rps, eps, metrics, utilization);
  }

  /**
   * The named metric {@code name}, or {@code -1} when the report has none: a value that no metric
   * can have, so that reading it allocates nothing.
   *
   * @param name the metric's name, as after {@code named_metrics.} in the header
   * @return the metric's value ({@code >= 0}), or {@code -1} when this report does not carry it
   */
  public double namedMetric(String name) {
    Double value = namedMetrics.get(name);
    return value == null ? -1 : value;
  }

  /**
   * This report as the value of the {@value #HEADER} header, for a server to send: {@code TEXT} and
   * the fields that are not zero, named metrics in name order. {@link #parse} reads it back to an
   * equal report.
   *
   * @return the header value, starting with {@code TEXT}; never {@code null}
   */
  public String toHeaderValue() {
    StringBuilder b = new StringBuilder(TEXT_PREFIX);
    append(b, "cpu_utilization", cpuUtilization);
    append(b, "application_utilization", applicationUtilization);
    append(b, "mem_utilization", memUtilization);
    append(b, "rps_fractional", rps);
    append(b, "eps", eps);
    namedMetrics.keySet().stream()
        .sorted()
        .forEach(k -> append(b, NAMED_PREFIX + k, namedMetrics.get(k)));
    utilization.keySet().stream()
        .sorted()
        .forEach(k -> append(b, UTILIZATION_PREFIX + k, utilization.get(k)));
    return b.toString();
  }

  private static void append(StringBuilder b, String name, double value) {
    if (value != 0) {
      b.append(b.length() == TEXT_PREFIX.length() ? " " : ", ").append(name).append('=');
      if (value == Math.rint(value) && Math.abs(value) < 1e15) {
        b.append((long) value);
      } else {
        b.append(value);
      }
    }
  }

  /**
   * Reads a {@value #HEADER} header value.
   *
   * @throws IllegalArgumentException naming what is wrong: not the {@code TEXT} form, an entry
   *     without a value, a value that is not a finite number {@code >= 0}, a name given twice, or
   *     more than {@link #MAX_HEADER_LENGTH} characters
   * @param headerValue the header's value, without the header name; not {@code null}
   * @return the report the value describes, never {@code null}
   */
  public static LoadReport parse(String headerValue) {
    Objects.requireNonNull(headerValue, "headerValue");
    return read(headerValue, true);
  }

  /**
   * Reads a {@value #HEADER} header value as {@link #parse} does, but returns {@code null} for a
   * missing ({@code null}) or malformed one instead of throwing: for the response path, where a
   * peer's header must never fail the call.
   *
   * @param headerValue the header's value, without the header name, or {@code null} when the answer
   *     had none
   * @return the report the value describes, or {@code null} when it is missing or malformed
   */
  public static LoadReport tryParse(String headerValue) {
    return headerValue == null ? null : read(headerValue, false);
  }

  /** The parser: a report, or on a malformed value an exception ({@code strict}) or null. */
  private static LoadReport read(String value, boolean strict) {
    if (value.length() > MAX_HEADER_LENGTH) {
      return malformed(
          strict, "a value of " + value.length() + " characters", "at most " + MAX_HEADER_LENGTH);
    }
    String trimmed = value.strip();
    if (!trimmed.startsWith(TEXT_PREFIX)
        || (trimmed.length() > TEXT_PREFIX.length()
            && !Character.isWhitespace(trimmed.charAt(TEXT_PREFIX.length())))) {
      int space = trimmed.indexOf(' ');
      String format = space < 0 ? trimmed : trimmed.substring(0, space);
      return malformed(
          strict, "format '" + shorten(format) + "'", "TEXT followed by name=value pairs");
    }
    String body = trimmed.substring(TEXT_PREFIX.length()).strip();
    double cpu = 0;
    double application = 0;
    double memory = 0;
    double rps = 0;
    double eps = 0;
    Map<String, Double> named = new HashMap<>();
    Map<String, Double> utilization = new HashMap<>();
    Set<String> seen = new HashSet<>();
    if (body.isEmpty()) {
      return new LoadReport(0, 0, 0, 0, 0, Map.of(), Map.of());
    }
    for (String entry : body.split(",", -1)) {
      String pair = entry.strip();
      int separator = separator(pair);
      if (separator <= 0 || separator == pair.length() - 1) {
        return malformed(strict, "entry '" + shorten(pair) + "'", "name=value");
      }
      String name = pair.substring(0, separator).strip();
      String text = pair.substring(separator + 1).strip();
      if (!isName(name)) {
        return malformed(strict, "name '" + shorten(name) + "'", "letters, digits, '_', '.', '-'");
      }
      double number = number(text);
      if (!(number >= 0)) {
        return malformed(
            strict, name + ": '" + shorten(text) + "'", "a finite decimal number >= 0");
      }
      if (!seen.add(name)) {
        return malformed(strict, "name '" + name + "' given twice", "each name once");
      }
      switch (name) {
        case "cpu_utilization" -> cpu = number;
        case "application_utilization" -> application = number;
        case "mem_utilization" -> memory = number;
        case "rps_fractional" -> rps = number;
        case "eps" -> eps = number;
        default -> {
          if (name.startsWith(NAMED_PREFIX) || name.startsWith(UTILIZATION_PREFIX)) {
            boolean isNamed = name.startsWith(NAMED_PREFIX);
            String key =
                name.substring(isNamed ? NAMED_PREFIX.length() : UTILIZATION_PREFIX.length());
            if (key.isEmpty()) {
              return malformed(strict, "name '" + name + "'", "a metric name after the prefix");
            }
            (isNamed ? named : utilization).put(key, number);
          }
          // Any other name is a field this version does not know: skipped.
        }
      }
    }
    return new LoadReport(cpu, application, memory, rps, eps, named, utilization);
  }

  private static int separator(String pair) {
    for (int i = 0; i < pair.length(); i++) {
      char c = pair.charAt(i);
      if (c == '=' || c == ':') {
        return i;
      }
    }
    return -1;
  }

  private static boolean isName(String name) {
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '_'
              || c == '.'
              || c == '-';
      if (!ok) {
        return false;
      }
    }
    return !name.isEmpty();
  }

  /**
   * A plain decimal number ({@code 12}, {@code 0.5}, {@code 1e3}), or NaN for anything else: {@link
   * Double#parseDouble} alone would also take {@code NaN}, {@code Infinity}, hexadecimal and a
   * trailing {@code d} or {@code f}.
   */
  private static double number(String text) {
    if (text.isEmpty() || text.length() > 32) {
      return Double.NaN;
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-')) {
        return Double.NaN;
      }
    }
    try {
      double d = Double.parseDouble(text);
      return Double.isFinite(d) ? d : Double.NaN;
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }

  private static String shorten(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "...";
  }

  private static LoadReport malformed(boolean strict, String what, String expected) {
    if (strict) {
      throw new IllegalArgumentException(HEADER + ": " + what + " (expected: " + expected + ")");
    }
    return null;
  }

  private static void check(String name, double value) {
    if (!(value >= 0) || Double.isInfinite(value)) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: a finite number >= 0)");
    }
  }

  private static Map<String, Double> checkedCopy(String parameter, Map<String, Double> metrics) {
    Objects.requireNonNull(metrics, parameter);
    for (Map.Entry<String, Double> e : metrics.entrySet()) {
      Objects.requireNonNull(e.getKey(), parameter + ": null name");
      Objects.requireNonNull(e.getValue(), parameter + ": null value for '" + e.getKey() + "'");
      check(parameter + "." + e.getKey(), e.getValue());
    }
    return Map.copyOf(metrics);
  }
}
