package io.github.lb4j.internal;

import java.time.Duration;
import java.util.Objects;

/**
 * Argument checks shared by lb4j's builders, with the project's message format: the parameter, the
 * value and what was expected, such as {@code timeout: PT0S (expected: > 0)}. A {@code null}
 * argument throws a {@link NullPointerException} whose message is the parameter's name.
 *
 * <p>Not API: see the package documentation. Threading: stateless; safe from any thread.
 */
public final class Checks {
  private Checks() {}

  /**
   * Returns {@code value} if it is longer than zero.
   *
   * @param parameter the parameter's name, for the message
   * @param value the value to check
   * @return {@code value}
   * @throws IllegalArgumentException when {@code value} is zero or negative
   */
  public static Duration positive(String parameter, Duration value) {
    Objects.requireNonNull(value, parameter);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(parameter + ": " + value + " (expected: > 0)");
    }
    return value;
  }

  /**
   * Returns {@code value} if it is at least 1.
   *
   * @param parameter the parameter's name, for the message
   * @param value the value to check
   * @return {@code value}
   * @throws IllegalArgumentException when {@code value} is below 1
   */
  public static int atLeastOne(String parameter, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(parameter + ": " + value + " (expected: >= 1)");
    }
    return value;
  }

  /**
   * Returns {@code value} if it is a finite number {@code >= 0}.
   *
   * @param parameter the parameter's name, for the message
   * @param value the value to check
   * @return {@code value}
   * @throws IllegalArgumentException when {@code value} is negative, infinite or NaN
   */
  public static double finiteNonNegative(String parameter, double value) {
    if (!(value >= 0) || Double.isInfinite(value)) {
      throw new IllegalArgumentException(
          parameter + ": " + value + " (expected: a finite number >= 0)");
    }
    return value;
  }

  /**
   * Returns {@code value} if it has a character other than white space.
   *
   * @param parameter the parameter's name, for the message
   * @param value the value to check
   * @return {@code value}
   * @throws IllegalArgumentException when {@code value} is empty or blank
   */
  public static String notBlank(String parameter, String value) {
    Objects.requireNonNull(value, parameter);
    if (value.isBlank()) {
      throw new IllegalArgumentException(parameter + ": '" + value + "' (expected: not blank)");
    }
    return value;
  }

  /**
   * Returns {@code value} if it is a TCP or UDP port.
   *
   * @param parameter the parameter's name, for the message
   * @param value the value to check
   * @return {@code value}
   * @throws IllegalArgumentException when {@code value} is outside {@code [1, 65535]}
   */
  public static int port(String parameter, int value) {
    if (value < 1 || value > 65535) {
      throw new IllegalArgumentException(parameter + ": " + value + " (expected: in [1, 65535])");
    }
    return value;
  }
}
