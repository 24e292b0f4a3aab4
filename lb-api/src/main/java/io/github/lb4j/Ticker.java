package io.github.lb4j;

/**
 * A source of monotonic nanosecond time, injected wherever lb4j measures or waits, so that tests
 * can drive time by hand instead of sleeping.
 *
 * <p>Implementations must be thread safe; successive reads on one thread must never decrease.
 */
@FunctionalInterface
public interface Ticker {

  /**
   * Nanoseconds since an arbitrary fixed origin, like {@link System#nanoTime()}.
   *
   * @return the current reading in nanoseconds
   */
  long read();

  /** {@return the ticker backed by {@link System#nanoTime()}} */
  static Ticker system() {
    return System::nanoTime;
  }
}
