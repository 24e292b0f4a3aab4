package io.github.lb4j.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns JMH JSON results ({@code -rf json}, run with {@code -prof gc}) into Markdown tables: mean
 * with its error, median and best iteration, bytes allocated per operation, and for results in
 * ns/op the ratio of the median to the median of the floor ({@code ChooseBenchmark.floor}) at the
 * same size and thread count in the same file. The median is the ratio's basis because on a shared
 * machine a neighbour's burst inflates single iterations, which moves the mean much more.
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.github.lb4j.benchmarks.ResultsTable results.json...}
 */
public final class ResultsTable {
  private static final String FLOOR = "ChooseBenchmark.floor";

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
    for (String file : args) {
      System.out.println(render(Path.of(file)));
    }
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
      Map<String, Object> params =
          (Map<String, Object>) result.getOrDefault("params", Map.of());
      List<String> described = new ArrayList<>();
      params.forEach((k, v) -> described.add(k + "=" + v));
      String n = (String) params.get("n");
      Map<String, Object> secondary =
          (Map<String, Object>) result.getOrDefault("secondaryMetrics", Map.of());
      Map<String, Object> alloc = (Map<String, Object>) secondary.get("gc.alloc.rate.norm");
      Double bytes = alloc == null ? null : number(alloc.get("score"));
      String p = String.join(", ", described);
      rows.add(row(benchmark, threads, p, n, (Map<String, Object>) result.get("primaryMetric"), bytes));
      // The members of a @Group appear as secondary metrics; JMH reports allocation per group only.
      secondary.forEach(
          (name, metric) -> {
            if (!name.startsWith("gc.")) {
              rows.add(row(benchmark + ":" + name, threads, p, n, (Map<String, Object>) metric, null));
            }
          });
    }
    return rows;
  }

  @SuppressWarnings("unchecked")
  private static Row row(
      String benchmark, int threads, String params, String n, Map<String, Object> metric,
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
      out.append(String.format(
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
      switch (c) {
        case '{':
          return object();
        case '[':
          return array();
        case '"':
          return string();
        case 't':
          return literal("true", Boolean.TRUE);
        case 'f':
          return literal("false", Boolean.FALSE);
        case 'n':
          return literal("null", null);
        default:
          return number();
      }
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
