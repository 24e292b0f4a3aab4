package io.github.lb4j.logging;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** What the tests' SLF4J simple logger writes (to standard error), captured around a call. */
public final class StandardError {
  private StandardError() {}

  /**
   * Runs {@code body} with standard error captured.
   *
   * @param body what to run
   * @return what was written to standard error meanwhile
   */
  public static String capture(Runnable body) {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      body.run();
    } finally {
      System.setErr(original);
    }
    return captured.toString(StandardCharsets.UTF_8);
  }
}
