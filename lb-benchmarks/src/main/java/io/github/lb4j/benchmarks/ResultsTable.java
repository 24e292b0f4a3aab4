package io.github.lb4j.benchmarks;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Turns JMH JSON results ({@code -rf json}, run with {@code -prof gc}) into Markdown tables: mean
 * with its error, median and best iteration, bytes allocated per operation, and for results in
 * ns/op the ratio of the median to the median of the floor ({@code ChooseBenchmark.floor}) at the
 * same size and thread count in the same file. The median is the ratio's basis because on a shared
 * machine a neighbour's burst inflates single iterations, which moves the mean much more.
 *
 * <p>When the files hold {@link PeerBenchmark} results, a comparison section comes first: for each
 * lb4j path and the peer it is measured against, the ratio of their medians (or, for the lease
 * against the bare choice, the difference) at every size and thread count, each from the same run,
 * and the bytes allocated per operation of every path.
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.github.lb4j.benchmarks.ResultsTable results.json...}
 */
public final class ResultsTable {
  private static final String FLOOR = "ChooseBenchmark.floor";
  private static final String PEER = "PeerBenchmark.";

  /** An lb4j path against a peer: the ratio of their medians, or with {@code difference} a - b. */
  private record Comparison(String label, String lb4j, String peer, boolean difference) {}

  private static final List<Comparison> COMPARISONS =
      List.of(
          ratio(
              "least-connection lease / gRPC least_request (pick + stream tracer)",
              "lb4jLeastConnectionLease",
              "grpcLeastRequest"),
          ratio("peak-EWMA lease / gRPC least_request", "lb4jPeakEwmaLease", "grpcLeastRequest"),
          ratio(
              "reported-load lease / least-connection lease (target: <= 1.5)",
              "lb4jReportedLoadLease",
              "lb4jLeastConnectionLease"),
          ratio(
              "reported-load lease with a report / least-connection lease",
              "lb4jReportedLoadLeaseReporting",
              "lb4jLeastConnectionLease"),
          ratio(
              "zone-aware least-connection lease / least-connection lease",
              "lb4jLocalityLeastConnectionLease",
              "lb4jLeastConnectionLease"),
          new Comparison(
              "bounded-load lease − plain consistent-hash choose(key), ns (target: <= 60)",
              PEER + "lb4jBoundedLoadLease",
              PEER + "lb4jConsistentHash",
              true),
          new Comparison(
              "floor: per-endpoint counter raised and lowered − only read, ns",
              PEER + "floorKeyedCount",
              PEER + "floorKeyedRead",
              true),
          new Comparison(
              "bounded-load lease − bounded-load choose(key), ns",
              PEER + "lb4jBoundedLoadLease",
              PEER + "lb4jBoundedLoad",
              true),
          ratio(
              "consistent-hash choose(key) / Guava jump hash",
              "lb4jConsistentHash",
              "guavaJumpHash"),
          ratio(
              "consistent-hash choose(key) / gRPC ring_hash", "lb4jConsistentHash", "grpcRingHash"),
          ratio("round-robin choose() / gRPC round_robin", "lb4jRoundRobin", "grpcRoundRobin"),
          ratio(
              "weighted round-robin choose() / gRPC round_robin",
              "lb4jWeightedRoundRobin",
              "grpcRoundRobin"));

  /** The rows of the allocation table: lb4j's choose paths, its leases, then the peers. */
  private static final Map<String, String> ALLOCATION_ROWS = allocationRows();

  private static Comparison ratio(String label, String lb4j, String peer) {
    return new Comparison(label, PEER + lb4j, PEER + peer, false);
  }

  private static Map<String, String> allocationRows() {
    Map<String, String> rows = new LinkedHashMap<>();
    rows.put("lb4jRoundRobin", "lb4j round-robin choose()");
    rows.put("lb4jWeightedRoundRobin", "lb4j weighted round-robin choose()");
    rows.put("lb4jRandom", "lb4j random choose()");
    rows.put("lb4jLeastConnection", "lb4j least-connection choose()");
    rows.put("lb4jPeakEwma", "lb4j peak-EWMA choose()");
    rows.put("lb4jReportedLoad", "lb4j reported-load choose()");
    rows.put("lb4jConsistentHash", "lb4j consistent-hash choose(key)");
    rows.put("lb4jBoundedLoad", "lb4j bounded-load choose(key)");
    rows.put("lb4jLeastConnectionLease", "lb4j least-connection lease");
    rows.put("lb4jLocalityLeastConnectionLease", "lb4j zone-aware least-connection lease");
    rows.put("lb4jPeakEwmaLease", "lb4j peak-EWMA lease");
    rows.put("lb4jReportedLoadLease", "lb4j reported-load lease");
    rows.put("lb4jReportedLoadLeaseReporting", "lb4j reported-load lease + reportLoad");
    rows.put("lb4jBoundedLoadLease", "lb4j bounded-load lease");
    rows.put("floorKeyedRead", "floor: a key's endpoint counter read");
    rows.put("floorKeyedCount", "floor: a key's endpoint counter raised and lowered");
    rows.put("grpcRoundRobin", "gRPC round_robin pick");
    rows.put("grpcLeastRequest", "gRPC least_request pick + stream tracer");
    rows.put("grpcRingHash", "gRPC ring_hash pick");
    rows.put("guavaJumpHash", "Guava murmur3_128 + jump hash");
    Map<String, String> prefixed = new LinkedHashMap<>();
    rows.forEach((method, label) -> prefixed.put(PEER + method, label));
    return prefixed;
  }

  /** The benchmarks the comparison section reads, by their short names. */
  static Set<String> comparedBenchmarks() {
    Set<String> names = new LinkedHashSet<>(ALLOCATION_ROWS.keySet());
    for (Comparison c : COMPARISONS) {
      names.add(c.lb4j);
      names.add(c.peer);
    }
    return names;
  }

  /** One measured metric: a benchmark, or a member of a benchmark group. */
  private record Row(
      String benchmark,
      int threads,
      String params,
      String n,
      double mean,
      double error,
      double median,
      double min,
      String unit,
      Double bytesPerOp) {}

  public static void main(String[] args) throws IOException {
    if (args.length == 0) {
      throw new IllegalArgumentException("args: none (expected: one or more JMH JSON files)");
    }
    List<Path> files = new ArrayList<>();
    for (String file : args) {
      files.add(Path.of(file));
    }
    // The tables use ±, × and −: write UTF-8 whatever the platform's default.
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, UTF_8);
    String comparisons = renderComparisons(files);
    if (!comparisons.isEmpty()) {
      out.println(comparisons);
    }
    for (Path file : files) {
      out.println(render(file));
    }
  }

  /**
   * The lb4j / peer comparison tables over the {@link PeerBenchmark} results in {@code files}, or
   * the empty string when there are none. Both sides of a cell always come from the same file, so
   * from the same run; when several files hold the same size and thread count, the last one given
   * counts.
   */
  static String renderComparisons(List<Path> files) throws IOException {
    List<List<Row>> runs = new ArrayList<>();
    Set<Column> columns = new TreeSet<>();
    for (Path file : files) {
      List<Row> rows = read(file);
      runs.add(rows);
      for (Row row : rows) {
        if (row.benchmark.startsWith(PEER) && row.n != null) {
          columns.add(new Column(row.n, row.threads));
        }
      }
    }
    if (columns.isEmpty()) {
      return "";
    }
    StringBuilder out = new StringBuilder();
    out.append("#### lb4j next to its peers (PeerBenchmark)\n\n");
    out.append(
        "Ratio of medians, lb4j / peer, both from the same run (below 1: lb4j takes less time);"
            + " the medians in ns/op in brackets.\n\n");
    header("comparison", columns, out);
    for (Comparison c : COMPARISONS) {
      out.append("| ").append(c.label);
      for (Column column : columns) {
        out.append(" | ").append(cell(c, column, runs));
      }
      out.append(" |\n");
    }
    out.append("\nBytes allocated per operation (-prof gc).\n\n");
    header("path", columns, out);
    for (Map.Entry<String, String> entry : ALLOCATION_ROWS.entrySet()) {
      out.append("| ").append(entry.getValue());
      for (Column column : columns) {
        Row row = find(runs, entry.getKey(), column);
        out.append(" | ")
            .append(row == null || row.bytesPerOp == null ? "–" : format(row.bytesPerOp));
      }
      out.append(" |\n");
    }
    return out.toString();
  }

  /** A size and a thread count: one column of the comparison tables. */
  private record Column(String n, int threads) implements Comparable<Column> {
    @Override
    public int compareTo(Column other) {
      int bySize = Long.compare(size(), other.size());
      if (bySize != 0) {
        return bySize;
      }
      int byThreads = Integer.compare(threads, other.threads);
      return byThreads != 0 ? byThreads : n.compareTo(other.n);
    }

    private long size() {
      try {
        return Long.parseLong(n);
      } catch (NumberFormatException e) {
        return Long.MAX_VALUE;
      }
    }

    @Override
    public String toString() {
      return "n=" + n + ", " + threads + (threads == 1 ? " thread" : " threads");
    }
  }

  private static void header(String first, Set<Column> columns, StringBuilder out) {
    out.append("| ").append(first);
    for (Column column : columns) {
      out.append(" | ").append(column);
    }
    out.append(" |\n|---");
    out.append("|---:".repeat(columns.size()));
    out.append("|\n");
  }

  /** The comparison at one column, from the last run that holds both of its sides there. */
  private static String cell(Comparison c, Column column, List<List<Row>> runs) {
    for (int i = runs.size() - 1; i >= 0; i--) {
      List<List<Row>> run = List.of(runs.get(i));
      Row lb4j = find(run, c.lb4j, column);
      Row peer = find(run, c.peer, column);
      if (lb4j != null && peer != null) {
        if (c.difference) {
          return String.format(
              Locale.ROOT,
              "%+.1f (%s − %s)",
              lb4j.median - peer.median,
              format(lb4j.median),
              format(peer.median));
        }
        return String.format(
            Locale.ROOT,
            "%.2f (%s / %s)",
            lb4j.median / peer.median,
            format(lb4j.median),
            format(peer.median));
      }
    }
    return "–";
  }

  /** The ns/op result of {@code benchmark} at {@code column} in the last of {@code runs}. */
  private static Row find(List<List<Row>> runs, String benchmark, Column column) {
    for (int i = runs.size() - 1; i >= 0; i--) {
      for (Row row : runs.get(i)) {
        if (row.benchmark.equals(benchmark)
            && row.threads == column.threads
            && column.n.equals(row.n)
            && row.unit.equals("ns/op")) {
          return row;
        }
      }
    }
    return null;
  }

  /** The Markdown section for one JMH JSON result file. */
  static String render(Path file) throws IOException {
    List<Row> rows = read(file);
    StringBuilder out = new StringBuilder();
    out.append("#### ").append(file.getFileName()).append("\n\n");
    print(rows, out);
    return out.toString();
  }

  @SuppressWarnings("unchecked")
  private static List<Row> read(Path file) throws IOException {
    String text = Files.readString(file);
    if (text.isBlank()) {
      // JMH writes the file only when the run ends.
      throw new IllegalArgumentException("file: " + file + " is empty (expected: a finished run)");
    }
    Object parsed = new Json(text).value();
    if (!(parsed instanceof List<?> results)) {
      throw new IllegalArgumentException("file: " + file + " (expected: a JMH JSON result array)");
    }
    List<Row> rows = new ArrayList<>();
    for (Object o : results) {
      Map<String, Object> result = (Map<String, Object>) o;
      String benchmark = shortName((String) result.get("benchmark"));
      int threads = (int) number(result.get("threads"));
      Map<String, Object> params = (Map<String, Object>) result.getOrDefault("params", Map.of());
      List<String> described = new ArrayList<>();
      params.forEach((k, v) -> described.add(k + "=" + v));
      String n = (String) params.get("n");
      Map<String, Object> secondary =
          (Map<String, Object>) result.getOrDefault("secondaryMetrics", Map.of());
      Map<String, Object> alloc = (Map<String, Object>) secondary.get("gc.alloc.rate.norm");
      Double bytes = alloc == null ? null : number(alloc.get("score"));
      String p = String.join(", ", described);
      rows.add(
          row(benchmark, threads, p, n, (Map<String, Object>) result.get("primaryMetric"), bytes));
      // The members of a @Group appear as secondary metrics; JMH reports allocation per group only.
      secondary.forEach(
          (name, metric) -> {
            if (!name.startsWith("gc.")) {
              rows.add(
                  row(benchmark + ":" + name, threads, p, n, (Map<String, Object>) metric, null));
            }
          });
    }
    return rows;
  }

  @SuppressWarnings("unchecked")
  private static Row row(
      String benchmark,
      int threads,
      String params,
      String n,
      Map<String, Object> metric,
      Double bytes) {
    Map<String, Object> percentiles = (Map<String, Object>) metric.get("scorePercentiles");
    return new Row(
        benchmark,
        threads,
        params,
        n,
        number(metric.get("score")),
        number(metric.get("scoreError")),
        number(percentiles.get("50.0")),
        number(percentiles.get("0.0")),
        (String) metric.get("scoreUnit"),
        bytes);
  }

  private static void print(List<Row> rows, StringBuilder out) {
    out.append(
        "| benchmark | params | threads | mean ± error (99.9%) | median | best | unit"
            + " | median × floor | B/op |\n");
    out.append("|---|---|---:|---:|---:|---:|---|---:|---:|\n");
    for (Row row : rows) {
      Row floor = floorFor(rows, row);
      out.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %d | %s | %s | %s | %s | %s | %s |%n",
              row.benchmark,
              row.params,
              row.threads,
              format(row.mean) + (Double.isNaN(row.error) ? "" : " ± " + format(row.error)),
              format(row.median),
              format(row.min),
              row.unit,
              floor == null ? "" : String.format(Locale.ROOT, "%.1f", row.median / floor.median),
              row.bytesPerOp == null ? "" : format(row.bytesPerOp)));
    }
  }

  /** The floor at the same size and thread count, for picker results in nanoseconds. */
  private static Row floorFor(List<Row> rows, Row row) {
    if (!row.unit.equals("ns/op") || row.n == null || row.benchmark.contains(":")) {
      return null;
    }
    for (Row candidate : rows) {
      if (candidate.benchmark.equals(FLOOR)
          && candidate.threads == row.threads
          && row.n.equals(candidate.n)) {
        return candidate;
      }
    }
    return null;
  }

  private static String shortName(String benchmark) {
    String prefix = "io.github.lb4j.benchmarks.";
    return benchmark.startsWith(prefix) ? benchmark.substring(prefix.length()) : benchmark;
  }

  /** JMH writes NaN as the string {@code "NaN"}. */
  private static double number(Object value) {
    if (value instanceof Number number) {
      return number.doubleValue();
    }
    return value == null ? Double.NaN : Double.parseDouble(value.toString());
  }

  private static String format(double value) {
    if (Double.isNaN(value)) {
      return "";
    }
    double magnitude = Math.abs(value);
    return String.format(
        Locale.ROOT, magnitude >= 100 ? "%.0f" : magnitude >= 1 ? "%.1f" : "%.3f", value);
  }

  /** The subset of JSON that JMH writes: objects, arrays, strings, numbers, booleans, null. */
  private static final class Json {
    private final String text;
    private int at;

    Json(String text) {
      this.text = text;
    }

    Object value() {
      skipSpace();
      char c = text.charAt(at);
      return switch (c) {
        case '{' -> object();
        case '[' -> array();
        case '"' -> string();
        case 't' -> literal("true", true);
        case 'f' -> literal("false", false);
        case 'n' -> literal("null", null);
        default -> number();
      };
    }

    private Map<String, Object> object() {
      Map<String, Object> map = new LinkedHashMap<>();
      at++;
      skipSpace();
      if (text.charAt(at) == '}') {
        at++;
        return map;
      }
      while (true) {
        skipSpace();
        String key = string();
        skipSpace();
        expect(':');
        map.put(key, value());
        skipSpace();
        if (text.charAt(at++) == '}') {
          return map;
        }
      }
    }

    private List<Object> array() {
      List<Object> list = new ArrayList<>();
      at++;
      skipSpace();
      if (text.charAt(at) == ']') {
        at++;
        return list;
      }
      while (true) {
        list.add(value());
        skipSpace();
        if (text.charAt(at++) == ']') {
          return list;
        }
      }
    }

    private String string() {
      expect('"');
      StringBuilder sb = new StringBuilder();
      for (char c = text.charAt(at++); c != '"'; c = text.charAt(at++)) {
        if (c == '\\') {
          char escaped = text.charAt(at++);
          switch (escaped) {
            case 'n' -> sb.append('\n');
            case 't' -> sb.append('\t');
            case 'r' -> sb.append('\r');
            case 'b' -> sb.append('\b');
            case 'f' -> sb.append('\f');
            case 'u' -> {
              sb.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
              at += 4;
            }
            default -> sb.append(escaped);
          }
        } else {
          sb.append(c);
        }
      }
      return sb.toString();
    }

    private Double number() {
      int start = at;
      while (at < text.length() && "+-0123456789.eE".indexOf(text.charAt(at)) >= 0) {
        at++;
      }
      if (start == at) {
        throw new IllegalArgumentException(
            "JSON: unexpected '" + text.charAt(at) + "' at offset " + at + " (expected: a value)");
      }
      return Double.parseDouble(text.substring(start, at));
    }

    private Object literal(String word, Object value) {
      if (!text.startsWith(word, at)) {
        throw new IllegalArgumentException(
            "JSON: unexpected text at offset " + at + " (expected: " + word + ")");
      }
      at += word.length();
      return value;
    }

    private void expect(char c) {
      if (text.charAt(at) != c) {
        throw new IllegalArgumentException(
            "JSON: '" + text.charAt(at) + "' at offset " + at + " (expected: '" + c + "')");
      }
      at++;
    }

    private void skipSpace() {
      while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
        at++;
      }
    }
  }
}
