package io.github.lb4j.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** One tiny report over real local workers, then its files and numbers; and the bad settings. */
@Timeout(120)
final class ReportCommandTest {
  static final int REQUESTS = 200;
  static final int KEYS = 5_000;

  /** The pickers with load runs: 8 of, the classic ring's 2 other pairs, 2 more rings. */
  static final int PICKERS = 12;

  static final List<String> CHARTS =
      List.of(
          "a1-requests-per-worker.png",
          "a2-max-load.png",
          "a2-max-over-mean.png",
          "a3-requests-per-worker.png",
          "a3-timeline.png",
          "a4-requests-per-worker.png",
          "a4-max-over-mean.png",
          "a4-keys-moved.png");

  @TempDir static Path shared;
  static Path out;
  static int status;
  static String stdout;
  static String stderr;
  static List<Row> rows;

  /** One CSV line. */
  record Row(
      String experiment, String picker, int workers, String worker, String measure, double value) {
    static Row parse(String line) {
      String[] f = line.split(",", -1);
      assertEquals(6, f.length, line);
      return new Row(f[0], f[1], Integer.parseInt(f[2]), f[3], f[4], Double.parseDouble(f[5]));
    }
  }

  @BeforeAll
  static void runTinyReport() throws Exception {
    out = shared.resolve("report");
    StringWriter o = new StringWriter();
    StringWriter e = new StringWriter();
    status =
        Main.run(
            new String[] {
              "report",
              "--out",
              out.toString(),
              "--requests",
              Integer.toString(REQUESTS),
              "--keys",
              Integer.toString(KEYS)
            },
            new PrintWriter(o, true),
            new PrintWriter(e, true));
    stdout = o.toString();
    stderr = e.toString();
    if (status == 0) {
      List<String> lines = Files.readAllLines(out.resolve(ReportWriter.CSV));
      assertEquals("experiment,picker,workers,worker,measure,value", lines.get(0));
      rows = lines.stream().skip(1).map(Row::parse).toList();
    }
  }

  @Test
  void report_tinySettings_writesHtmlChartsAndCsv() throws Exception {
    assertEquals(0, status, stderr);
    assertTrue(stdout.startsWith("wrote " + out.resolve("index.html")), stdout);
    assertTrue(
        stderr.contains("/" + (REQUESTS * (PICKERS * 5 + 1)) + " requests"), "progress: " + stderr);
    String html = Files.readString(out.resolve(ReportWriter.HTML), StandardCharsets.UTF_8);
    for (String chart : CHARTS) {
      assertTrue(html.contains("src=\"" + chart + "\""), chart + " linked from the page");
      BufferedImage img = ImageIO.read(out.resolve(chart).toFile());
      assertNotNull(img, chart + " is a readable PNG");
      assertEquals(900, img.getWidth(), chart);
      assertEquals(480, img.getHeight(), chart);
    }
    assertTrue(html.contains("href=\"report.csv\""));
  }

  @Test
  void report_everyLoadRun_workerCountsAddUpToTheRequests() {
    assertEquals(0, status, stderr);
    Map<String, Double> sums = new HashMap<>();
    for (Row r : rows) {
      if (r.experiment().equals("load") && r.measure().equals("served")) {
        sums.merge(r.picker() + "/" + r.workers(), r.value(), Double::sum);
      }
    }
    assertEquals(PICKERS * 5, sums.size(), PICKERS + " pickers x 2..6 workers: " + sums.keySet());
    sums.forEach((run, sum) -> assertEquals(REQUESTS, sum, 0, run));
    for (Row r : rows) {
      if (r.experiment().equals("load")
          && List.of("lost", "retried", "misrouted").contains(r.measure())) {
        assertEquals(0, r.value(), 0, r.toString());
      }
    }
  }

  @Test
  void report_a1Workers_threeWorkersPerPickerWithAnswersAndLiveSharesMatchingTheCounts() {
    assertEquals(0, status, stderr);
    Map<String, List<Row>> byPicker =
        rows.stream()
            .filter(r -> r.experiment().equals("load") && r.workers() == 3 && !r.worker().isEmpty())
            .collect(Collectors.groupingBy(Row::picker));
    for (String picker :
        List.of(
            "round-robin",
            "random",
            "least-connection",
            "peak-ewma",
            "consistent-hash",
            "consistent-hash-bounded",
            "classic-hash")) {
      List<Row> rs = byPicker.get(picker);
      assertNotNull(rs, picker);
      for (String w : List.of("worker-1", "worker-2", "worker-3")) {
        double served = value(rs, w, "served");
        assertEquals(served, value(rs, w, "answered"), 0, picker + " " + w);
        assertEquals(served, value(rs, w, "balancer_picks"), 0, picker + " " + w);
        assertEquals(served / REQUESTS, value(rs, w, "live_recent_share"), 1e-6, picker + " " + w);
      }
    }
    // The classic ring sends nearly everything to the first server: the seed's finding.
    List<Row> classic = byPicker.get("classic-hash");
    assertTrue(value(classic, "worker-1", "served") > REQUESTS * 0.8, classic.toString());
  }

  @Test
  void report_a4ClassicPairs_spreadAndMurmurFixTheSeedsClustering() {
    assertEquals(0, status, stderr);
    for (int n = 2; n <= 6; n++) {
      double seed = maxOverMean("classic-hash", n);
      assertTrue(seed > 0.8 * n, "seed pair, " + n + " workers: " + seed);
      for (String pair : List.of("classic-hash-spread", "classic-hash-murmur")) {
        double ratio = maxOverMean(pair, n);
        assertTrue(ratio < 1.8 && ratio < seed / 1.5, pair + ", " + n + " workers: " + ratio);
      }
    }
  }

  @Test
  void report_customClassicPair_runsNextToTheSeedsAndNamesIt(@TempDir Path dir) throws Exception {
    Path custom = dir.resolve("custom");
    StringWriter e = new StringWriter();
    int code =
        Main.run(
            new String[] {
              "report",
              "--quiet",
              "--out",
              custom.toString(),
              "--requests",
              "50",
              "--keys",
              "100",
              "--max-workers",
              "3",
              "--classic-hash",
              "H=i, Phi=100i+57j"
            },
            new PrintWriter(new StringWriter(), true),
            new PrintWriter(e, true));
    assertEquals(0, code, e.toString());
    String csv = Files.readString(custom.resolve(ReportWriter.CSV));
    assertTrue(csv.contains("\nload,classic-hash-custom-1,3,"), "custom pair's load runs");
    assertTrue(csv.contains("\nA-4-keys-moved,classic-hash-custom-1,3,"), "and key movement");
    assertFalse(csv.contains("classic-hash-spread"), "the default pairs are replaced");
    String html = Files.readString(custom.resolve(ReportWriter.HTML), StandardCharsets.UTF_8);
    assertTrue(html.contains("H(i) = i, \u03a6(i,j) = 100i+57j"), "the pair is named in the page");
  }

  private static double maxOverMean(String picker, int workers) {
    return rows.stream()
        .filter(
            r ->
                r.experiment().equals("load")
                    && r.picker().equals(picker)
                    && r.workers() == workers
                    && r.measure().equals("served_max_over_mean"))
        .mapToDouble(Row::value)
        .findFirst()
        .orElseThrow(() -> new AssertionError(picker + " " + workers + " missing"));
  }

  @Test
  void report_a3KilledWorker_losesNothingAndRecordsTheDetection() {
    assertEquals(0, status, stderr);
    List<Row> a3 = rows.stream().filter(r -> r.experiment().equals("A-3")).toList();
    assertEquals(0, value(a3, "", "lost"), 0);
    assertTrue(value(a3, "", "retried") > 0, "the killed worker's calls were retried: " + a3);
    double answered =
        a3.stream().filter(r -> r.measure().equals("answered")).mapToDouble(Row::value).sum();
    assertEquals(REQUESTS, answered, 0, "one answer per request");
    assertTrue(a3.stream().anyMatch(r -> r.measure().equals("detected_after_ms")), a3.toString());
    assertEquals(REQUESTS / 3, value(a3, "worker-2", "killed_at_request"), 0);
  }

  @Test
  void report_keysMoved_ringMovesOnlyTheNeededKeysAndShowsTheLiveShare() {
    assertEquals(0, status, stderr);
    List<Row> moved = rows.stream().filter(r -> r.experiment().equals("A-4-keys-moved")).toList();
    for (String hash :
        List.of(
            "consistent-hash",
            "consistent-hash-fnv1a",
            "consistent-hash-java-hashcode",
            "classic-hash",
            "classic-hash-spread",
            "classic-hash-murmur")) {
      List<Row> rs = moved.stream().filter(r -> r.picker().equals(hash)).toList();
      for (String change : List.of("added", "removed")) {
        double live = value(rs, change, "live_remapped_share");
        assertTrue(live >= 0 && live <= 1, hash + " " + change + ": " + live);
        if (!hash.startsWith("classic-hash")) {
          assertEquals(0, value(rs, change, "needless_share"), 0, hash + " " + change);
        }
      }
      if (!hash.startsWith("classic-hash")) {
        assertEquals(
            value(rs, "removed", "ideal_share"),
            value(rs, "removed", "moved_share"),
            0,
            hash + ": a ring moves exactly the removed worker's keys");
        assertEquals(
            0.25,
            value(rs, "added", "moved_share"),
            0.05,
            hash + ": about the new worker's fair share moves to it");
      }
    }
    // The classic ring numbers servers by position: removing one moves keys between the others.
    List<Row> classic = moved.stream().filter(r -> r.picker().equals("classic-hash")).toList();
    assertTrue(value(classic, "removed", "needless_share") > 0, classic.toString());
  }

  @Test
  void failover_longEnoughRun_supervisorReplacesTheKilledWorkerAndNothingIsLost() throws Exception {
    BalanceReport.Settings settings = new BalanceReport.Settings(3_000, 2, 6, 3, 32, 1_000, 7);
    int[] finished = {0};
    BalanceReport.Failover f =
        new BalanceReport(settings, io.github.lb4j.Ticker.system())
            .failover(
                () -> {
                  synchronized (finished) {
                    finished[0]++;
                  }
                });
    assertEquals(3_000, finished[0], "every request finished once");
    assertEquals(0, f.run().lost());
    assertEquals(0, f.run().misrouted());
    assertEquals("worker-2", f.killedId());
    assertTrue(f.detection().isPresent(), "the balancer noticed the kill");
    BalanceReport.Replaced replaced = f.replacement().orElseThrow();
    assertEquals("worker-4", replaced.id());
    assertTrue(
        f.detection().get().afterNanos() <= replaced.memberAfterNanos(),
        "replaced after the detection: " + f);
    // The replacement took traffic: its own count, its answers and its first-answer time agree.
    long served = f.run().served().get("worker-4");
    assertTrue(served > 0, f.run().served().toString());
    assertEquals(served, f.run().answered().get("worker-4"));
    assertTrue(replaced.firstAnswerAfterNanos().orElseThrow() > 0, "answered after the kill");
    assertEquals(3_000, f.run().answers().size(), "the timeline has every answer");
    long answers = f.run().answered().values().stream().mapToLong(Long::longValue).sum();
    assertEquals(3_000, answers, "one answer per request");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "--requests 0|requests: 0 (expected: in [1, 1000000])",
        "--concurrency 0|concurrency: 0 (expected: in [1, 256])",
        "--min-workers 4 --max-workers 3|max-workers: 3 (expected: in [4, 32])",
        "--workers 7|workers: 7 (expected: in [2, 6])",
        "--keys 0|keys: 0 (expected: in [1, 10000000])",
        "--classic-hash H=i+*2,Phi=j|H: 'i+*2' (expected: a polynomial in i such as i+2i^2+17)",
        "--classic-hash spread --classic-hash ring|classic-hash: 'ring' (expected: seed, spread,"
            + " murmur or H=POLY,Phi=POLY such as H=i+2i^2+17,Phi=i+j+2j^2+25)",
      })
  void report_badSetting_exitsWith2NamingItAndWritesNothing(
      String options, String message, @TempDir Path dir) {
    Path target = dir.resolve("never");
    StringWriter e = new StringWriter();
    String[] args = (("report --quiet --out " + target + " " + options).split(" "));
    int code = Main.run(args, new PrintWriter(new StringWriter(), true), new PrintWriter(e, true));
    assertEquals(2, code, e.toString());
    assertEquals(message, e.toString().lines().findFirst().orElse(""));
    assertFalse(Files.exists(target), "nothing written");
  }

  @Test
  void report_outIsAFile_exitsWith2AndLeavesTheFile(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("file.txt"), "keep");
    StringWriter e = new StringWriter();
    int code =
        Main.run(
            new String[] {"report", "--quiet", "--out", file.toString()},
            new PrintWriter(new StringWriter(), true),
            new PrintWriter(e, true));
    assertEquals(2, code, e.toString());
    assertEquals(
        "out: '" + file + "' (expected: a directory, or a path to create one at)",
        e.toString().lines().findFirst().orElse(""));
    assertEquals("keep", Files.readString(file));
  }

  private static double value(List<Row> rows, String worker, String measure) {
    return rows.stream()
        .filter(r -> r.worker().equals(worker) && r.measure().equals(measure))
        .mapToDouble(Row::value)
        .findFirst()
        .orElseThrow(() -> new AssertionError(worker + " " + measure + " missing in " + rows));
  }
}
