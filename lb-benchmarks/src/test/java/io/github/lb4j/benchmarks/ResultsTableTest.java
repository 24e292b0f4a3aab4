package io.github.lb4j.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class ResultsTableTest {
  @TempDir Path dir;

  /** One JMH result in the shape JMH 1.37 writes, with only the fields the table reads. */
  private static String result(
      String benchmark, String params, double median, double best, Double bytesPerOp) {
    return result(benchmark, 1, params, median, best, bytesPerOp);
  }

  private static String result(
      String benchmark, int threads, String params, double median, double best, Double bytesPerOp) {
    String alloc =
        bytesPerOp == null
            ? ""
            : """
              "gc.alloc.rate.norm" : { "score" : %s, "scoreError" : "NaN",
                "scorePercentiles" : { "0.0" : %s, "50.0" : %s }, "scoreUnit" : "B/op" }
              """
                .formatted(bytesPerOp, bytesPerOp, bytesPerOp);
    return """
        { "benchmark" : "io.github.lb4j.benchmarks.%s", "mode" : "avgt", "threads" : %d,
          "params" : { %s },
          "primaryMetric" : { "score" : %s, "scoreError" : 0.5,
            "scorePercentiles" : { "0.0" : %s, "50.0" : %s }, "scoreUnit" : "ns/op" },
          "secondaryMetrics" : { %s } }
        """
        .formatted(benchmark, threads, params, median, best, median, alloc);
  }

  /** A PeerBenchmark result at size {@code n}. */
  private static String peer(String method, int threads, int n, double median, double bytes) {
    return result(
        "PeerBenchmark." + method, threads, "\"n\" : \"" + n + "\"", median, median, bytes);
  }

  private Path run(String name, String... results) throws IOException {
    return write(name, "[" + String.join(",", results) + "]");
  }

  private Path write(String name, String text) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, text);
    return file;
  }

  @Test
  void render_pickerAndFloor_ratioOfMediansAtSameSizeAndAllocation() throws IOException {
    Path file =
        write(
            "run.json",
            "["
                + result("ChooseBenchmark.floor", "\"n\" : \"3\"", 2.0, 1.9, 0.0001)
                + ","
                + result("ChooseBenchmark.floor", "\"n\" : \"1000\"", 4.0, 3.9, 0.0001)
                + ","
                + result(
                    "ChooseBenchmark.choose",
                    "\"n\" : \"1000\", \"picker\" : \"round-robin\"",
                    6.0,
                    5.5,
                    40.0)
                + "]");

    String table = ResultsTable.render(file);

    assertTrue(
        table.contains(
            "| ChooseBenchmark.choose | n=1000, picker=round-robin | 1 | 6.0 ± 0.500 | 6.0 | 5.5"
                + " | ns/op | 1.5 | 40.0 |"),
        table);
    assertTrue(
        table.contains("| ChooseBenchmark.floor | n=3 | 1 | 2.0 ± 0.500 | 2.0 | 1.9"), table);
  }

  @Test
  void renderComparisons_runsAtOneAndTwoThreads_ratioOfMediansPerSizeAndThreadCount()
      throws IOException {
    Path t1 =
        run(
            "t1.json",
            peer("lb4jLeastConnectionLease", 1, 10, 200.0, 40.0),
            peer("grpcLeastRequest", 1, 10, 100.0, 56.0),
            peer("lb4jLeastConnectionLease", 1, 1000, 250.0, 40.0),
            peer("grpcLeastRequest", 1, 1000, 125.0, 56.0));
    Path t2 =
        run(
            "t2.json",
            peer("lb4jLeastConnectionLease", 2, 10, 300.0, 40.0),
            peer("grpcLeastRequest", 2, 10, 600.0, 56.0));

    String table = ResultsTable.renderComparisons(List.of(t1, t2));

    assertTrue(
        table.contains(
            "| comparison | n=10, 1 thread | n=10, 2 threads | n=1000, 1 thread |\n"
                + "|---|---:|---:|---:|\n"),
        table);
    assertTrue(
        table.contains(
            "| least-connection lease / gRPC least_request (pick + stream tracer)"
                + " | 2.00 (200 / 100) | 0.50 (300 / 600) | 2.00 (250 / 125) |"),
        table);
    assertTrue(table.contains("| peak-EWMA lease / gRPC least_request | – | – | – |"), table);
    assertTrue(
        table.contains("| gRPC least_request pick + stream tracer | 56.0 | 56.0 | 56.0 |"), table);
  }

  @Test
  void renderComparisons_boundedLoad_leaseMinusChooseInNanoseconds() throws IOException {
    Path file =
        run(
            "run.json",
            peer("lb4jBoundedLoadLease", 1, 10, 320.0, 40.0),
            peer("lb4jBoundedLoad", 1, 10, 275.0, 0.0));

    String table = ResultsTable.renderComparisons(List.of(file));

    assertTrue(
        table.contains("| bounded-load lease − bounded-load choose(key), ns | +45.0 (320 − 275) |"),
        table);
    assertTrue(table.contains("| lb4j bounded-load choose(key) | 0.000 |"), table);
    assertTrue(table.contains("| lb4j round-robin choose() | – |"), table);
  }

  @Test
  void renderComparisons_sidesInDifferentFiles_neverPaired() throws IOException {
    Path lb4j = run("lb4j.json", peer("lb4jRoundRobin", 1, 10, 3.0, 0.0));
    Path grpc = run("grpc.json", peer("grpcRoundRobin", 1, 10, 4.0, 0.0));

    String table = ResultsTable.renderComparisons(List.of(lb4j, grpc));

    assertTrue(table.contains("| round-robin choose() / gRPC round_robin | – |"), table);
  }

  @Test
  void renderComparisons_sameColumnInTwoFiles_lastFileCounts() throws IOException {
    Path first =
        run(
            "first.json",
            peer("lb4jRoundRobin", 1, 10, 3.0, 0.0),
            peer("grpcRoundRobin", 1, 10, 4.0, 0.0));
    Path again =
        run(
            "again.json",
            peer("lb4jRoundRobin", 1, 10, 5.0, 0.0),
            peer("grpcRoundRobin", 1, 10, 4.0, 0.0));

    String table = ResultsTable.renderComparisons(List.of(first, again));

    assertTrue(
        table.contains("| round-robin choose() / gRPC round_robin | 1.25 (5.0 / 4.0) |"), table);
  }

  @Test
  void renderComparisons_sizesInNumericOrder() throws IOException {
    Path file =
        run(
            "run.json",
            peer("guavaJumpHash", 1, 10, 50.0, 300.0),
            peer("guavaJumpHash", 1, 3, 50.0, 300.0));

    String table = ResultsTable.renderComparisons(List.of(file));

    assertTrue(table.contains("| comparison | n=3, 1 thread | n=10, 1 thread |"), table);
  }

  @Test
  void renderComparisons_noPeerResults_empty() throws IOException {
    Path file =
        write(
            "floor.json",
            "[" + result("ChooseBenchmark.floor", "\"n\" : \"3\"", 2.0, 1.9, 0.0001) + "]");

    assertEquals("", ResultsTable.renderComparisons(List.of(file)));
  }

  @Test
  void render_emptyFile_throwsNamingTheFile() throws IOException {
    Path file = write("unfinished.json", "");

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ResultsTable.render(file));

    assertEquals("file: " + file + " is empty (expected: a finished run)", e.getMessage());
  }

  @Test
  void render_notAnArray_throwsNamingTheFile() throws IOException {
    Path file = write("object.json", "{ \"benchmark\" : \"x\" }");

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ResultsTable.render(file));

    assertEquals("file: " + file + " (expected: a JMH JSON result array)", e.getMessage());
  }

  @Test
  void main_noArguments_throws() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ResultsTable.main(new String[0]));

    assertEquals("args: none (expected: one or more JMH JSON files)", e.getMessage());
  }
}
