package io.github.lb4j.example;

import io.github.lb4j.scatter.Progress;
import java.io.Console;
import java.io.PrintWriter;
import java.lang.reflect.Method;
import java.util.Locale;
import java.util.function.Consumer;
import picocli.CommandLine.Option;

/**
 * Progress of a batch on standard error. On a terminal it is a one-line bar redrawn with {@code \r}
 * when the percentage changes, completed tasks as {@code #} and failed ones as {@code x}; elsewhere
 * (a pipe, a file, a CI log) it writes a single plain line when the batch ends, so that logs hold
 * no control characters.
 *
 * <p>Threading: thread safe; progress may be reported from any thread.
 */
final class ProgressBar implements Consumer<Progress> {
  private static final int WIDTH = 40;

  /** How progress is shown. */
  enum Mode {
    /** Nothing at all. */
    NONE,
    /** A bar redrawn in place: for a terminal. */
    BAR,
    /** One plain line at the end. */
    PLAIN
  }

  /** The {@code --quiet} and {@code --progress} options of the commands that show progress. */
  static final class Options {
    @Option(names = "--quiet", description = "No progress at all.")
    boolean quiet;

    @Option(
        names = "--progress",
        defaultValue = "auto",
        paramLabel = "WHEN",
        description =
            "auto (a bar on a terminal, else one plain line at the end), bar or plain"
                + " (default: ${DEFAULT-VALUE}).")
    String progress;

    /** The mode these options ask for; {@code auto} asks whether the process has a terminal. */
    Mode mode() {
      if (quiet) {
        return Mode.NONE;
      }
      return switch (progress.toLowerCase(Locale.ROOT)) {
        case "auto" -> onTerminal() ? Mode.BAR : Mode.PLAIN;
        case "bar" -> Mode.BAR;
        case "plain" -> Mode.PLAIN;
        default ->
            throw new InvalidParameterException(
                "progress", "progress: '" + progress + "' (expected: auto, bar or plain)");
      };
    }
  }

  private final PrintWriter err;
  private final Mode mode;
  private final String unit;
  private int lastPercent = -1;
  private boolean drawn;
  private Progress last;

  /** A bar counting {@code unit}, such as {@code "tiles"} or {@code "requests"}. */
  ProgressBar(PrintWriter err, Mode mode, String unit) {
    this.err = err;
    this.mode = mode;
    this.unit = unit;
  }

  /**
   * Whether standard error is likely a terminal: a console exists (on Java 22 and later, one that
   * is a terminal) and {@code TERM} is not {@code dumb}. Java cannot ask about standard error
   * alone, hence {@code --progress} to override.
   */
  @SuppressWarnings("SystemConsoleNull") // on Java 22 and later isTerminal() decides, below
  static boolean onTerminal() {
    Console console = System.console();
    if (console == null || "dumb".equals(System.getenv("TERM"))) {
      return false;
    }
    try {
      // Since Java 22 System.console() is not null when redirected; isTerminal() tells.
      Method isTerminal = Console.class.getMethod("isTerminal");
      return (Boolean) isTerminal.invoke(console);
    } catch (ReflectiveOperationException e) {
      return true; // before Java 22 a console means a terminal
    }
  }

  /** Writes a status line ("starting 4 workers...") at once, unless progress is off. */
  void say(String line) {
    if (mode != Mode.NONE) {
      err.println(line);
      err.flush();
    }
  }

  @Override
  public synchronized void accept(Progress p) {
    if (mode == Mode.NONE || p.total() == 0 || (last != null && p.done() < last.done())) {
      return; // a snapshot overtaken by a later one is stale: the bar never moves back
    }
    last = p;
    int percent = p.done() * 100 / p.total();
    if (mode != Mode.BAR || percent == lastPercent) {
      return;
    }
    lastPercent = percent;
    err.print("\r" + frame(p));
    err.flush();
    drawn = true;
  }

  /** Ends the bar: a newline on a terminal, the plain line elsewhere; {@code failed} says so. */
  synchronized void finish(boolean failed) {
    if (mode == Mode.NONE) {
      return;
    }
    // A failure the counts do not show (the batch was cut short) is said in words.
    String end = failed && (last == null || last.failed() == 0) ? " - failed" : "";
    if (drawn) {
      err.println(end);
    } else if (last != null) {
      err.println(line(last) + end);
    }
    err.flush();
  }

  private String frame(Progress p) {
    int ok = p.completed() * WIDTH / p.total();
    int bad = Math.min(WIDTH - ok, (p.failed() * WIDTH + p.total() - 1) / p.total());
    return "[" + "#".repeat(ok) + "x".repeat(bad) + ".".repeat(WIDTH - ok - bad) + "] " + line(p);
  }

  private String line(Progress p) {
    return p.completed()
        + "/"
        + p.total()
        + " "
        + unit
        + (p.failed() > 0 ? ", " + p.failed() + " failed" : "");
  }
}
