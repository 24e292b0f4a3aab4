package io.github.lb4j.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class ResultsTableTest {
  @TempDir Path dir;

  /** One JMH result in the shape JMH 1.37 writes, with only the fields the table reads. */
  private static String result(
      String benchmark, String params, double median, double best, Double bytesPerOp) {
    String alloc =
        bytesPerOp == null
            ? ""
            : """
              "gc.alloc.rate.norm" : { "score" : %s, "scoreError" : "NaN",
                "scorePercentiles" : { "0.0" : %s, "50.0" : %s }, "scoreUnit" : "B/op" }
              """
                .formatted(bytesPerOp, bytesPerOp, bytesPerOp);
    return """
        { "benchmark" : "io.github.lb4j.benchmarks.%s", "mode" : "avgt", "threads" : 1,
          "params" : { %s },
          "primaryMetric" : { "score" : %s, "scoreError" : 0.5,
            "scorePercentiles" : { "0.0" : %s, "50.0" : %s }, "scoreUnit" : "ns/op" },
          "secondaryMetrics" : { %s } }
        """
        .formatted(benchmark, params, median, best, median, alloc);
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
    assertTrue(table.contains("| ChooseBenchmark.floor | n=3 | 1 | 2.0 ± 0.500 | 2.0 | 1.9"), table);
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

    assertEquals(
        "file: " + file + " (expected: a JMH JSON result array)", e.getMessage());
  }

  @Test
  void main_noArguments_throws() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ResultsTable.main(new String[0]));

    assertEquals("args: none (expected: one or more JMH JSON files)", e.getMessage());
  }
}
