package io.github.lb4j.example;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.lb4j.scatter.Progress;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProgressBarTest {

  private static Progress done(int completed, int failed, int total) {
    return new Progress(completed, failed, total, 0, 0, Map.of());
  }

  @Test
  void bar_aSnapshotOvertakenByALaterOne_isNotDrawn() {
    StringWriter out = new StringWriter();
    ProgressBar bar = new ProgressBar(new PrintWriter(out), ProgressBar.Mode.BAR, "tiles");
    bar.accept(done(1, 0, 4));
    bar.accept(done(3, 0, 4));
    bar.accept(done(2, 0, 4)); // delivered late by a slower thread
    bar.accept(done(4, 0, 4));
    bar.finish(false);
    assertEquals(
        "\r[##########..............................] 1/4 tiles"
            + "\r[##############################..........] 3/4 tiles"
            + "\r[########################################] 4/4 tiles"
            + System.lineSeparator(),
        out.toString());
  }

  @Test
  void plain_writesOneLineAtTheEnd_withTheFailures() {
    StringWriter out = new StringWriter();
    ProgressBar bar = new ProgressBar(new PrintWriter(out), ProgressBar.Mode.PLAIN, "tiles");
    bar.accept(done(1, 0, 4));
    bar.accept(done(3, 1, 4));
    bar.finish(true);
    assertEquals("3/4 tiles, 1 failed" + System.lineSeparator(), out.toString());
  }

  @Test
  void failedBatch_whoseCountsShowNoFailure_saysSoInWords() {
    StringWriter out = new StringWriter();
    ProgressBar bar = new ProgressBar(new PrintWriter(out), ProgressBar.Mode.PLAIN, "tiles");
    bar.accept(done(2, 0, 4));
    bar.finish(true);
    assertEquals("2/4 tiles - failed" + System.lineSeparator(), out.toString());
  }
}
