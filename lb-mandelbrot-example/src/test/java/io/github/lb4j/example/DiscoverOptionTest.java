package io.github.lb4j.example;

import static io.github.lb4j.example.CliTest.args;
import static io.github.lb4j.example.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code render --discover}: workers found through a discovery source instead of a list. */
@Timeout(60)
final class DiscoverOptionTest {
  private static final String COMMON =
      "render --width 64 --height 48 --max-iter 100 --tile 16 --quiet --out";

  @TempDir Path dir;

  @Test
  void render_discoverFile_usesTheWorkersListedThereAndMatchesLocal() throws Exception {
    try (Workers workers = Workers.start(2, 1, 0, 1, TestTokens.AUTH)) {
      Path list = dir.resolve("workers.txt");
      Files.writeString(
          list,
          "# the workers, one URL per line\n"
              + workers.started.get(0).uri()
              + "\n"
              + workers.started.get(1).uri()
              + " 2\n");
      Path local = dir.resolve("local.png");
      Path dist = dir.resolve("dist.png");
      assertEquals(0, run(args(COMMON, local.toString(), "--local")).status());
      CliTest.Run r =
          run(
              args(
                  COMMON,
                  dist.toString(),
                  "--discover",
                  "file:" + list,
                  "--token-file",
                  TestTokens.file(dir).toString()));
      assertEquals(0, r.status(), r.err());
      assertArrayEquals(Files.readAllBytes(local), Files.readAllBytes(dist));
      assertTrue(r.out().contains("[2 workers, least-connection]"), r.out());
      // Discovered workers are named by their address.
      assertTrue(r.out().contains(workers.started.get(0).uri().toString()), r.out());
      assertTrue(r.out().contains(workers.started.get(1).uri().toString()), r.out());
    }
  }

  @Test
  void render_discoverStatic_works() throws Exception {
    try (Workers workers = Workers.start(1, 1, 0, 1, TestTokens.AUTH)) {
      Path out = dir.resolve("static.png");
      CliTest.Run r =
          run(
              args(
                  COMMON,
                  out.toString(),
                  "--discover",
                  "static:" + workers.started.get(0).uri(),
                  "--token-file",
                  TestTokens.file(dir).toString()));
      assertEquals(0, r.status(), r.err());
      assertTrue(Files.exists(out));
    }
  }

  @Test
  void render_badDiscoverSpec_oneLineErrorAndAHint() {
    Path out = dir.resolve("never.png");
    CliTest.Run r = run(args(COMMON, out.toString(), "--discover", "carrier-pigeon:coop"));
    assertEquals(2, r.status(), r.err());
    assertTrue(
        r.firstErrLine()
            .equals(
                "discover: 'carrier-pigeon:coop' (expected: dns:NAME:PORT[@SERVER],"
                    + " dns-srv:NAME[@SERVER], file:PATH or static:URL[,URL...])"),
        r.err());
    assertEquals(
        "Try 'lb4j-mandelbrot render --help' for the full usage.",
        r.err().lines().toList().get(1),
        r.err());
    assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    assertFalse(Files.exists(out));
  }

  @Test
  void render_discoverWithWorkers_rejectedAsExclusive() {
    CliTest.Run r =
        run(
            args(
                COMMON,
                dir.resolve("x.png").toString(),
                "--workers",
                "2",
                "--discover",
                "static:http://127.0.0.1:1"));
    assertEquals(2, r.status(), r.err());
    assertTrue(r.err().contains("mutually exclusive"), r.err());
  }
}
