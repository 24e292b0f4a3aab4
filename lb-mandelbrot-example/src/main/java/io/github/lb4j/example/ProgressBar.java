package io.github.lb4j.example;

import io.github.lb4j.scatter.Progress;
import java.io.PrintWriter;
import java.util.function.Consumer;

/** A one-line progress bar on a terminal stream, redrawn when the percentage changes. */
final class ProgressBar implements Consumer<Progress> {
  private static final int WIDTH = 40;

  private final PrintWriter err;
  private final boolean quiet;
  private final String unit;
  private int lastPercent = -1;
  private boolean drawn;

  ProgressBar(PrintWriter err, boolean quiet) {
    this(err, quiet, "tiles");
  }

  /** A bar counting {@code unit}, such as {@code "requests"}. */
  ProgressBar(PrintWriter err, boolean quiet, String unit) {
    this.err = err;
    this.quiet = quiet;
    this.unit = unit;
  }

  @Override
  public synchronized void accept(Progress p) {
    if (quiet || p.total() == 0) {
      return;
    }
    int percent = p.done() * 100 / p.total();
    if (percent == lastPercent) {
      return;
    }
    lastPercent = percent;
    int filled = p.done() * WIDTH / p.total();
    err.print(
        "\r["
            + "#".repeat(filled)
            + ".".repeat(WIDTH - filled)
            + "] "
            + p.done()
            + "/"
            + p.total()
            + " "
            + unit
            + (p.failed() > 0 ? ", " + p.failed() + " failed" : ""));
    err.flush();
    drawn = true;
  }

  synchronized void finish() {
    if (drawn) {
      err.println();
      err.flush();
    }
  }
}
