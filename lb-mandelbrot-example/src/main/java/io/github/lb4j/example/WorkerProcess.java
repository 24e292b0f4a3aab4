package io.github.lb4j.example;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.InterruptedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker running as a child JVM: this program's {@code worker} command on an ephemeral port,
 * holding the run's token, started with the same Java and class path as this process.
 *
 * <p>The child prints {@code <id> listening on http://127.0.0.1:<port>} once it listens; {@link
 * #start} waits for that line (with a timeout) to learn the port. Everything else the child writes
 * (standard output and error, merged) is logged at DEBUG. The token goes through the child's
 * environment ({@value TileAuth#ENV}), never its command line, which other users can read. The
 * child is given this process's pid ({@code --parent-pid}) and exits when this process does, even
 * when it is killed without a chance to clean up.
 *
 * <p>{@link #kill()} is {@code SIGKILL} ({@link Process#destroyForcibly()}); {@link #pause()} and
 * {@link #resume()} send {@code SIGSTOP} and {@code SIGCONT} through {@code kill(1)}, so they work
 * on POSIX systems only. The tile count and load are read from the child's {@code GET /health}.
 *
 * <p>Threading: thread safe; one daemon thread per child reads its output.
 */
final class WorkerProcess implements LocalWorker {
  private static final Logger log = LoggerFactory.getLogger(WorkerProcess.class);

  /** How long a child may take to listen: a JVM start on a loaded machine takes seconds. */
  static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  /** How long {@link #close()} waits for the child to exit after {@code SIGTERM}. */
  static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);

  /** How long a {@code /health} read or a {@code kill(1)} may take. */
  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(2);

  private static final Pattern LISTENING = Pattern.compile("(\\S+) listening on (http://\\S+)");
  private static final Pattern TILES = Pattern.compile("\"tiles\":(\\d+)");
  private static final Pattern IN_FLIGHT = Pattern.compile("\"inFlight\":(\\d+)");
  private static final Pattern QUEUED = Pattern.compile("\"queued\":(\\d+)");

  /** Lines of a child's output kept to explain a failed start. */
  private static final int LINES_KEPT = 20;

  private final Process process;
  private final String id;
  private final URI uri;
  private final double slowFactor;
  private volatile boolean killed;
  private volatile boolean paused;

  private WorkerProcess(Process process, String id, URI uri, double slowFactor) {
    this.process = process;
    this.id = id;
    this.uri = uri;
    this.slowFactor = slowFactor;
  }

  /**
   * Starts a worker process and waits until it listens.
   *
   * @param id the worker's id
   * @param threads its compute threads
   * @param slowFactor its slow factor, {@code >= 1}
   * @param auth the token it is to hold
   * @param timeout how long it may take to listen
   * @throws IOException when it cannot be started, exits or does not listen in time; it is killed
   */
  static WorkerProcess start(
      String id, int threads, double slowFactor, TileAuth auth, Duration timeout)
      throws IOException {
    return launch(id, threads, slowFactor, WorkerServer.SlowMode.SLEEP, auth).await(timeout);
  }

  /**
   * Starts a worker process without waiting for it to listen, so that several can start at once;
   * {@link Launched#await} waits.
   */
  static Launched launch(
      String id, int threads, double slowFactor, WorkerServer.SlowMode slowMode, TileAuth auth)
      throws IOException {
    WorkerServer.checkOptions(0, threads, slowFactor);
    ProcessBuilder pb = new ProcessBuilder(command(id, threads, slowFactor, slowMode));
    pb.environment().put(TileAuth.ENV, auth.token());
    // Not -cp: a long class path would push the worker's own arguments out of the 4 KiB of the
    // command line that ps and ProcessHandle.Info show.
    pb.environment().put("CLASSPATH", System.getProperty("java.class.path"));
    pb.redirectErrorStream(true);
    pb.redirectInput(ProcessBuilder.Redirect.PIPE);
    Process p = pb.start();
    p.getOutputStream().close(); // the worker reads nothing
    Launched l = new Launched(p, id, slowFactor);
    Thread reader =
        new Thread(() -> readOutput(p, id, l.listening, l.lastLines), id + "-output-" + p.pid());
    reader.setDaemon(true);
    reader.start();
    return l;
  }

  /** A worker process started and maybe not listening yet. Not thread safe. */
  static final class Launched {
    private final Process process;
    private final String id;
    private final double slowFactor;
    private final CompletableFuture<URI> listening = new CompletableFuture<>();
    private final Deque<String> lastLines = new ArrayDeque<>(); // guarded by itself

    private Launched(Process process, String id, double slowFactor) {
      this.process = process;
      this.id = id;
      this.slowFactor = slowFactor;
    }

    /**
     * Waits until the process listens.
     *
     * @throws IOException when it exits or does not listen in time; it is killed
     */
    WorkerProcess await(Duration timeout) throws IOException {
      Process p = process;
      try {
        URI uri = listening.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        log.info("{} started as process {} on {}", id, p.pid(), uri);
        return new WorkerProcess(p, id, uri, slowFactor);
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while starting " + id);
      } catch (ExecutionException | TimeoutException e) {
        p.destroyForcibly();
        waitFor(p, STOP_TIMEOUT);
        String why =
            e instanceof TimeoutException
                ? "did not listen within " + timeout.toMillis() + " ms"
                : "exited with " + p.exitValue() + " before listening";
        List<String> output;
        synchronized (lastLines) {
          output = new ArrayList<>(lastLines);
        }
        throw new IOException("worker process " + id + " " + why + "; its output: " + output);
      }
    }

    /** Kills the process, for a start given up. */
    void abort() {
      process.destroyForcibly();
      waitFor(process, STOP_TIMEOUT);
    }
  }

  /** The child's command: this Java, {@code Main worker ...}; the class path is this one. */
  static List<String> command(
      String id, int threads, double slowFactor, WorkerServer.SlowMode slowMode) {
    String java =
        ProcessHandle.current()
            .info()
            .command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    // Small and quick to start: a worker holds a few tiles at a time.
    cmd.add("-Xmx256m");
    cmd.add("-XX:+UseSerialGC");
    cmd.add(Main.class.getName()); // the class path goes through CLASSPATH, see start
    cmd.addAll(
        List.of(
            "worker",
            "--port",
            "0",
            "--bind",
            "127.0.0.1",
            "--id",
            id,
            "--threads",
            Integer.toString(threads),
            "--slow",
            Double.toString(slowFactor),
            "--slow-mode",
            slowMode.label(),
            "--parent-pid",
            Long.toString(ProcessHandle.current().pid())));
    return cmd;
  }

  private static void readOutput(
      Process p, String id, CompletableFuture<URI> listening, Deque<String> lastLines) {
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        if (!listening.isDone()) {
          Matcher m = LISTENING.matcher(line);
          if (m.matches() && m.group(1).equals(id)) {
            listening.complete(URI.create(m.group(2)));
            continue;
          }
          synchronized (lastLines) {
            lastLines.addLast(line);
            if (lastLines.size() > LINES_KEPT) {
              lastLines.removeFirst();
            }
          }
        }
        log.debug("{} (pid {}): {}", id, p.pid(), line);
      }
    } catch (IOException e) {
      log.debug("{} (pid {}): output ended: {}", id, p.pid(), e.toString());
    }
    // The output ends when the process exits; before the line, that is a failed start.
    listening.completeExceptionally(new IOException("the output ended"));
  }

  /**
   * Exits this JVM (status 0, through its shutdown hooks) as soon as the process {@code pid} has
   * gone, or at once when there is none: what a worker process does when its parent leaves.
   */
  static void exitWhenGone(long pid) {
    Optional<ProcessHandle> parent = ProcessHandle.of(pid);
    if (parent.isEmpty()) {
      log.info("parent process {} is not running; exiting", pid);
      System.exit(0);
    }
    CompletableFuture<?> unused =
        parent
            .get()
            .onExit()
            .thenRun(
                () -> {
                  log.info("parent process {} has gone; exiting", pid);
                  System.exit(0);
                });
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public URI uri() {
    return uri;
  }

  @Override
  public OptionalLong pid() {
    return OptionalLong.of(process.pid());
  }

  @Override
  public int tilesServed() {
    return health(TILES);
  }

  @Override
  public int inFlight() {
    String body = healthBody();
    if (body == null) {
      return -1;
    }
    return number(body, IN_FLIGHT) + number(body, QUEUED);
  }

  private int health(Pattern field) {
    String body = healthBody();
    return body == null ? -1 : number(body, field);
  }

  private static int number(String body, Pattern field) {
    Matcher m = field.matcher(body);
    return m.find() ? Integer.parseInt(m.group(1)) : -1;
  }

  /** The child's {@code /health} answer, or {@code null} when it gives none in time. */
  private String healthBody() {
    if (!process.isAlive() || paused) {
      return null; // a frozen child would only time out
    }
    try {
      HttpURLConnection c = (HttpURLConnection) uri.resolve("/health").toURL().openConnection();
      c.setConnectTimeout((int) ASK_TIMEOUT.toMillis());
      c.setReadTimeout((int) ASK_TIMEOUT.toMillis());
      try {
        if (c.getResponseCode() != 200) {
          return null;
        }
        return new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      } finally {
        c.disconnect();
      }
    } catch (IOException e) {
      return null;
    }
  }

  @Override
  public boolean isClosed() {
    return killed || !process.isAlive();
  }

  @Override
  public boolean isPaused() {
    return paused && process.isAlive();
  }

  @Override
  public double slowFactor() {
    return slowFactor;
  }

  @Override
  public void slowFactor(double factor) {
    throw new IllegalStateException(
        "slow: '"
            + id
            + "' is a worker process, whose speed is set when it starts (expected: an in-process"
            + " worker; stop a process to freeze it instead)");
  }

  @Override
  public synchronized void pause() {
    signal("STOP");
    paused = true;
  }

  @Override
  public synchronized void resume() {
    signal("CONT");
    paused = false;
  }

  private void signal(String name) {
    String action = name.equals("STOP") ? "stop" : "resume";
    if (!process.isAlive()) {
      throw new IllegalStateException(
          action + ": '" + id + "' (process " + process.pid() + ") has exited");
    }
    if (System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows")) {
      throw new UnsupportedOperationException(
          action + ": SIG" + name + " needs a POSIX system (expected: Linux or macOS)");
    }
    try {
      Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start();
      if (!kill.waitFor(ASK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        kill.destroyForcibly();
        throw new IllegalStateException(action + ": kill -" + name + " did not finish in time");
      }
      if (kill.exitValue() != 0) {
        throw new IllegalStateException(
            action + ": kill -" + name + " " + process.pid() + " exited with " + kill.exitValue());
      }
    } catch (IOException e) {
      throw new UnsupportedOperationException(
          action + ": cannot run kill(1) for SIG" + name + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(action + ": interrupted", e);
    }
    log.info("{} (process {}): SIG{}", id, process.pid(), name);
  }

  /** {@code SIGKILL}, at once; the process is gone when this returns (or soon after). */
  @Override
  public void kill() {
    killed = true;
    process.destroyForcibly();
    waitFor(process, STOP_TIMEOUT);
  }

  /**
   * Asks the child to stop ({@code SIGTERM}, which runs its shutdown hooks) and waits for it; kills
   * it when it does not stop in time, or when it is paused (it could not run its hooks).
   */
  @Override
  public void close() {
    killed = true;
    if (!process.isAlive()) {
      return;
    }
    if (paused) {
      process.destroyForcibly();
    } else {
      process.destroy();
    }
    if (!waitFor(process, STOP_TIMEOUT)) {
      process.destroyForcibly();
      waitFor(process, STOP_TIMEOUT);
    }
  }

  private static boolean waitFor(Process p, Duration timeout) {
    try {
      return p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !p.isAlive();
    }
  }

  @Override
  public String toString() {
    return id + " (process " + process.pid() + ", " + uri + ")";
  }
}
