package io.github.lb4j.discovery;

import io.github.lb4j.Ticker;
import io.github.lb4j.internal.Checks;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Configures a file endpoint source. Obtain one from {@link Discovery#file(Path)}.
 *
 * <p>The file lists one endpoint a line: an absolute URL, optionally followed by a weight; {@code
 * #} starts a comment and blank lines are ignored.
 *
 * <pre>
 * # tile workers
 * http://10.0.0.1:8080
 * http://10.0.0.2:8080  3   # twice the cores
 * </pre>
 *
 * <p>The source reads the file when subscribed and again every {@linkplain #pollInterval poll
 * interval}, and delivers the set when it changed. A missing file or a bad line keeps the last good
 * set (logged at WARN once per streak, with the line); so does a file without endpoints, unless
 * {@link #removeOnEmpty(boolean)} says otherwise. Replace the file atomically (write a new one and
 * move it over) so that a reader never sees it half written.
 *
 * <p>Every setter validates its argument at once. Threading: a builder is not thread safe; the
 * source it builds is.
 */
public final class FileSourceBuilder {
  static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(2);

  private final Path path;
  private final PollingSource.Builder polling = PollingSource.builder();
  private Duration pollInterval = DEFAULT_POLL_INTERVAL;

  FileSourceBuilder(Path path) {
    this.path = Objects.requireNonNull(path, "path");
  }

  /**
   * How often the file is read again; 2 seconds unless set.
   *
   * @param pollInterval the wait between reads, {@code > 0}
   * @return this builder
   */
  public FileSourceBuilder pollInterval(Duration pollInterval) {
    this.pollInterval = Checks.positive("pollInterval", pollInterval);
    return this;
  }

  /**
   * Whether a file without endpoints empties the set; {@code false} unless set.
   *
   * @param removeOnEmpty whether an empty file empties the set
   * @return this builder
   */
  public FileSourceBuilder removeOnEmpty(boolean removeOnEmpty) {
    polling.removeOnEmpty(removeOnEmpty);
    return this;
  }

  /**
   * Runs the polls on this scheduler, which the caller owns and shuts down. Unless set, each
   * subscription starts one daemon thread and stops it when closed.
   *
   * @param scheduler the scheduler to run polls on
   * @return this builder
   */
  public FileSourceBuilder scheduler(ScheduledExecutorService scheduler) {
    polling.scheduler(scheduler);
    return this;
  }

  /**
   * The time source for how long a failure streak lasted; the system ticker unless set.
   *
   * @param ticker the time source
   * @return this builder
   */
  public FileSourceBuilder ticker(Ticker ticker) {
    polling.ticker(ticker);
    return this;
  }

  /**
   * Builds the source; the file is first read when it is subscribed to.
   *
   * @return the source
   */
  public EndpointSource build() {
    return polling.retryDelay(pollInterval).build("file:" + path, new FileLook(path, pollInterval));
  }
}
