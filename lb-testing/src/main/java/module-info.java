/**
 * Test support for code that uses lb4j: {@link io.github.lb4j.testing.FakeClock}, a {@link
 * io.github.lb4j.Ticker} and a {@link java.util.concurrent.ScheduledExecutorService} whose time
 * moves only when a test says so. Depends on {@code io.github.lb4j.api} only.
 */
module io.github.lb4j.testing {
  // FakeClock is a Ticker: users of this module see lb-api's types without requiring it.
  requires transitive io.github.lb4j.api;

  exports io.github.lb4j.testing;
}
