package io.github.lb4j.example;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(60)
class CliTest {
  @TempDir Path dir;

  record Run(int status, String out, String err) {
    String firstErrLine() {
      return err.lines().findFirst().orElse("");
    }
  }

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(status, out.toString(), err.toString());
  }

  static String[] args(String fixed, String... more) {
    List<String> a = new ArrayList<>(List.of(fixed.split(" ")));
    a.addAll(List.of(more));
    return a.toArray(String[]::new);
  }

  @Test
  void renderLocalWritesThePngAndReports() throws Exception {
    Path out = dir.resolve("local.png");
    Run r =
        run(
            args(
                "render --local --width 64 --height 48 --max-iter 100 --tile 16 --quiet --out",
                out.toString()));
    assertEquals(0, r.status(), r.err());
    BufferedImage img = ImageIO.read(out.toFile());
    assertEquals(64, img.getWidth());
    assertEquals(48, img.getHeight());
    assertTrue(
        r.out()
            .startsWith(
                "rendered " + out + ": 64x48, max-iter 100, 12 tiles of 16 (0 cached) [local, "),
        r.out());
    assertTrue(r.out().contains("time: "), r.out());
  }

  @Test
  void renderOnWorkersWritesTheSameFileAsLocalAndPrintsPerWorkerCounts() throws Exception {
    Path local = dir.resolve("local.png");
    Path dist = dir.resolve("dist.png");
    String common =
        "render --width 64 --height 48 --max-iter 100 --tile 16 --re -0.5 --zoom 2 --out";
    assertEquals(0, run(args(common, local.toString(), "--local")).status());
    Run r = run(args(common, dist.toString(), "--workers", "2", "--picker", "consistent-hash"));
    assertEquals(0, r.status(), r.err());
    assertArrayEquals(Files.readAllBytes(local), Files.readAllBytes(dist));
    assertTrue(r.out().contains("worker-1"), r.out());
    assertTrue(r.out().contains("worker-2"), r.out());
    assertTrue(r.out().contains("retries: 0, hedges: "), r.out());
    // Not a terminal: a line at once, then one plain line at the end; no \r frames.
    assertEquals(
        List.of("starting 2 workers for 12 tiles...", "12/12 tiles"), r.err().lines().toList());
  }

  @Test
  void renderWithTheReportedLoadPickerAndASpinningWorker_writesTheSameFileAsLocal()
      throws Exception {
    Path local = dir.resolve("local.png");
    Path dist = dir.resolve("reported.png");
    String common = "render --width 64 --height 48 --max-iter 100 --tile 16 --out";
    assertEquals(0, run(args(common, local.toString(), "--local")).status());
    Run r =
        run(
            args(
                common,
                dist.toString(),
                "--workers",
                "2",
                "--picker",
                "reported-load",
                "--slow-workers",
                "1",
                "--slow-mode",
                "spin",
                "--repeat",
                "2"));
    assertEquals(0, r.status(), r.err());
    assertArrayEquals(Files.readAllBytes(local), Files.readAllBytes(dist));
    assertTrue(r.out().contains("2 workers, reported-load"), r.out());
    assertTrue(
        r.out()
            .matches(
                "(?s).*cpu: renders 2..2: \\d+ ms in application threads, [0-9.]+ ms per tile;"
                    + " \\d+ ms process CPU, [0-9.]+ ms per tile.*"),
        r.out());
  }

  @Test
  void progressBar_forced_redrawsInPlaceAndEndsWithANewline() throws Exception {
    Path out = dir.resolve("bar.png");
    Run r =
        run(
            args(
                "render --local --width 64 --height 48 --max-iter 100 --tile 16 --progress bar --out",
                out.toString()));
    assertEquals(0, r.status(), r.err());
    assertTrue(
        r.err().contains("\r[########################################] 12/12 tiles\n"), r.err());
  }

  @Test
  void failedRender_onATerminal_theBarShowsTheFailedTilesNotAFullBar() throws Exception {
    Workers dead = Workers.start(1, 1, 0, 1);
    String url = dead.started.get(0).uri().toString();
    dead.close();
    Path out = dir.resolve("never.png");
    Path token = TestTokens.file(dir);
    Run r =
        run(
            args(
                "render --width 32 --height 32 --tile 16 --max-attempts 1 --progress bar --worker-urls",
                url,
                "--out",
                out.toString(),
                "--token-file",
                token.toString()));
    assertEquals(1, r.status());
    String[] frames = r.err().split("\r");
    String last = frames[frames.length - 1].lines().findFirst().orElseThrow();
    assertEquals("[" + "x".repeat(40) + "] 0/4 tiles, 4 failed", last, r.err());
    assertFalse(r.err().contains("#"), r.err());
  }

  @Test
  void version_printsTheBuildsVersion() {
    for (String[] a : List.of(new String[] {"--version"}, new String[] {"render", "--version"})) {
      Run r = run(a);
      assertEquals(0, r.status(), r.err());
      assertTrue(r.out().matches("lb4j-mandelbrot \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\\R"), r.out());
    }
  }

  @Test
  void allWorkersDeadFailsWithTheFailedTilesAndLeavesNoFile() throws Exception {
    Workers dead = Workers.start(2, 1, 0, 1);
    String urls = dead.started.get(0).uri() + "," + dead.started.get(1).uri();
    dead.close();
    Path out = dir.resolve("never.png");
    Path token = TestTokens.file(dir);
    Run r =
        run(
            args(
                "render --width 32 --height 32 --tile 16 --quiet --worker-urls",
                urls,
                "--out",
                out.toString(),
                "--token-file",
                token.toString()));
    assertEquals(1, r.status());
    assertTrue(
        r.firstErrLine()
            .startsWith(
                "error: render failed: 4 of 4 tiles failed; first: task 0 (key 'tile-0-0'): attempt 1 on http://127.0.0.1:"),
        r.err());
    // One short line: the first three failures, the rest in the debug log.
    assertTrue(r.firstErrLine().endsWith("; 1 more in the debug log"), r.err());
    assertFalse(r.err().contains("task 3 (key 'tile-16-16')"), r.err());
    assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    assertFalse(Files.exists(out));
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(0, files.filter(f -> !f.equals(token)).count(), "no temporary file left");
    }
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "render --out x.png --width 0|width: 0 (expected: in [1, 16384])",
        "render --out x.png --width abc|Invalid value for option '--width': 'abc' is not an int",
        "render --out x.png --max-iter 70000|max-iter: 70000 (expected: in [1, 65535])",
        "render --out x.png --tile 0|tile: 0 (expected: in [1, 1024])",
        "render --out x.png --zoom -1|zoom: -1.0 (expected: > 0 and finite)",
        "render --out x.png --re NaN|re: NaN (expected: a finite number)",
        "render --out x.png --bounds 1,0,0,1|reMax: 0.0 (expected: > reMin = 1.0; the region is inverted)",
        "render --out x.png --bounds 0,1,0|bounds: 3 numbers (expected: 4, reMin,reMax,imMin,imMax)",
        "render --out x.png --bounds 0,1,0,1 --zoom 2|bounds: [0.0, 1.0, 0.0, 1.0] given with --re/--im/--zoom (expected: one or the other)",
        "render --out x.png --picker nope|picker: 'nope' (expected: one of round-robin, least-connection, peak-ewma, consistent-hash, random, reported-load)",
        "render --out x.png --hedge soon|hedge: 'soon' (expected: none, Nx such as 3x, pNN such as p99, or NNNms such as 250ms)",
        "render --out x.png --workers 0|workers: 0 (expected: in [1, 64])",
        "render --out x.png --local --slow-mode fast|slow-mode: 'fast' (expected: sleep or spin)",
        "render --out x.png --worker-urls ftp://x|worker-urls: 'ftp://x' (expected: http://host:port)",
        "render --out x.png --local --workers 2|Error: --workers=<workers>, --local are mutually exclusive (specify only one)",
        "render --width 10|Missing required option: '--out=FILE.png'",
        "render --out /no/such/dir/x.png --local|out: /no/such/dir/x.png (expected: a file in an existing directory)",
        "worker --port 70000|port: 70000 (expected: in [0, 65535])",
        "worker --port 0 --slow 0.5|slow: 0.5 (expected: >= 1 and finite, e.g. 4)",
        "worker --port 0 --threads 0|threads: 0 (expected: in [1, 256])",
        "render --out x.png --slow-workers 5|slow-workers: 5 (expected: in [0, 4])",
        "render --out x.png --repeat 0|repeat: 0 (expected: in [1, 1000])",
        "render --out x.png --slow-mode idle|slow-mode: 'idle' (expected: sleep or spin)",
        "worker --port 0 --slow-mode idle|slow-mode: 'idle' (expected: sleep or spin)",
        "worker --port 0|token-file: none given and LB4J_TOKEN unset (expected: the workers' token in a file named by --token-file or in LB4J_TOKEN)",
        "render --out x.png --worker-urls http://127.0.0.1:1|token-file: none given and LB4J_TOKEN unset (expected: the workers' token in a file named by --token-file or in LB4J_TOKEN)",
        "render --out x.png --local --token-file t|token-file: t given with --local (expected: only with --worker-urls or --discover; local workers get a fresh token)",
        "bogus|Unmatched argument at index 0: 'bogus'",
        "--port abc|Invalid value for option '--port': 'abc' is not an int",
        "render --out x.png --progress loud|progress: 'loud' (expected: auto, bar or plain)",
        "serve --picker nope|picker: 'nope' (expected: one of round-robin, least-connection, peak-ewma, consistent-hash, random, reported-load)",
      })
  void badInputPrintsTheProblemAndAHintAndExits2(String argLine, String message) {
    Run r = run(argLine.split(" "));
    assertEquals(2, r.status(), r.err());
    List<String> lines = r.err().lines().toList();
    assertEquals(2, lines.size(), r.err());
    assertEquals(message, lines.get(0));
    String command = argLine.startsWith("-") ? "serve" : argLine.split(" ")[0];
    String expected = command.equals("bogus") ? "lb4j-mandelbrot" : "lb4j-mandelbrot " + command;
    assertEquals("Try '" + expected + " --help' for the full usage.", lines.get(1));
    assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    assertFalse(Files.exists(Path.of("x.png")));
  }
}
