package io.github.lb4j.discovery;

import java.time.Duration;
import java.util.Objects;

/** Argument checks shared by the builders, with the project's message format. */
final class Checks {
  private Checks() {}

  static Duration positive(String parameter, Duration value) {
    Objects.requireNonNull(value, parameter);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(parameter + ": " + value + " (expected: > 0)");
    }
    return value;
  }

  static String notBlank(String parameter, String value) {
    Objects.requireNonNull(value, parameter);
    if (value.isBlank()) {
      throw new IllegalArgumentException(parameter + ": '" + value + "' (expected: not blank)");
    }
    return value;
  }

  static int port(String parameter, int value) {
    if (value < 1 || value > 65535) {
      throw new IllegalArgumentException(parameter + ": " + value + " (expected: in [1, 65535])");
    }
    return value;
  }
}
