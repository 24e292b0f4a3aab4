package io.github.lb4j.dnsmasq;

import java.io.File;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Lookup;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * A real DNS server for tests: Debian's dnsmasq on 127.0.0.1 and a free port, serving the host
 * lines and SRV records the test gives it, and nothing else (no upstream, no system hosts file).
 *
 * <p>Host lines are re-read on SIGHUP; SRV records live in the configuration file, which dnsmasq
 * reads only at start, so changing them restarts the server on the same port.
 *
 * <p>Public for the tests of lb-dns and of the Mandelbrot example, which take this module in test
 * scope. Not thread safe: one test drives it.
 */
public final class Dnsmasq implements AutoCloseable {
  /** The test domain: a name in it without a host line is answered NXDOMAIN. */
  public static final String DOMAIN = "lb4j.test";

  private static final Duration WAIT = Duration.ofSeconds(20);

  private final Path dir;
  private final int localTtl;
  private int port;
  private List<String> hosts = List.of();
  private List<String> srv = List.of();
  private int generation;
  private boolean startedOnce;
  private Process process;

  /** The dnsmasq binary, if installed. */
  public static Optional<Path> binary() {
    List<String> places = new ArrayList<>();
    String path = System.getenv("PATH");
    if (path != null) {
      for (String d : path.split(Pattern.quote(File.pathSeparator), -1)) {
        if (!d.isEmpty()) {
          places.add(d);
        }
      }
    }
    places.addAll(List.of("/usr/sbin", "/usr/local/sbin", "/sbin"));
    for (String d : places) {
      Path candidate = Path.of(d, "dnsmasq");
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** Why a test that needs dnsmasq is skipped without it. */
  public static final String MISSING =
      "dnsmasq is not installed; the DNS discovery tests need its binary"
          + " (Debian: apt-get install -y dnsmasq-base)";

  /**
   * A server, not yet started, that keeps its files in {@code dir} and gives its records a TTL of
   * {@code localTtl} seconds.
   */
  public Dnsmasq(Path dir, int localTtl) throws IOException {
    this.dir = dir;
    this.localTtl = localTtl;
    this.port = freeUdpPort();
  }

  /** The UDP and TCP port on 127.0.0.1. */
  public int port() {
    return port;
  }

  /** The server as {@code DnsSourceBuilder.server} takes it. */
  public String server() {
    return "127.0.0.1:" + port;
  }

  /**
   * Sets the host lines ({@code "127.0.0.1 w1.lb4j.test"}) and makes the running server see them.
   */
  public Dnsmasq hosts(String... lines) throws IOException {
    hosts = List.of(lines);
    if (process != null && process.isAlive()) {
      writeFiles();
      reloadHosts();
    }
    return this;
  }

  /**
   * Sets the SRV records, in dnsmasq's {@code srv-host} form {@code
   * _http._tcp.svc.lb4j.test,w1.lb4j.test,8081,PRIORITY,WEIGHT}, restarting a running server.
   */
  public Dnsmasq srv(String... records) throws IOException {
    srv = List.of(records);
    if (process != null && process.isAlive()) {
      stop();
      start();
    }
    return this;
  }

  /** Starts the server and waits until it answers, choosing another port if this one was taken. */
  public Dnsmasq start() throws IOException {
    // The port can be taken between choosing and binding it (other processes run tests too): on a
    // first start that fails, choose another; later restarts must keep the port clients know.
    for (int attempt = 1; ; attempt++) {
      try {
        Dnsmasq running = start0();
        startedOnce = true;
        return running;
      } catch (IllegalStateException exited) {
        if (startedOnce || attempt >= 5) {
          throw exited;
        }
        port = freeUdpPort();
      }
    }
  }

  private Dnsmasq start0() throws IOException {
    writeFiles();
    Path bin = binary().orElseThrow(() -> new IllegalStateException(MISSING));
    List<String> command =
        List.of(
            bin.toString(),
            "--no-daemon",
            "--port=" + port,
            "--listen-address=127.0.0.1",
            "--bind-interfaces",
            "--no-resolv",
            "--no-hosts",
            "--pid-file=",
            "--log-facility=-",
            "--user=" + System.getProperty("user.name"),
            "--local-ttl=" + localTtl,
            "--conf-file=" + dir.resolve("dnsmasq.conf"),
            "--addn-hosts=" + dir.resolve("hosts"));
    process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("dnsmasq.log").toFile()))
            .start();
    awaitGeneration();
    return this;
  }

  /** Stops the server; {@link #start()} starts it again on the same port. */
  public void stop() {
    if (process == null) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    stop();
  }

  private void writeFiles() throws IOException {
    generation++;
    List<String> hostLines = new ArrayList<>(hosts);
    // A marker whose address changes with every write, so that a reload can be awaited.
    hostLines.add("127.0.1." + generation + " generation." + DOMAIN);
    Files.write(dir.resolve("hosts"), hostLines);
    List<String> conf = new ArrayList<>();
    conf.add("local=/" + DOMAIN + "/"); // unknown names in the test domain: NXDOMAIN, not REFUSED
    for (String record : srv) {
      conf.add("srv-host=" + record);
    }
    Files.write(dir.resolve("dnsmasq.conf"), conf);
  }

  private void reloadHosts() throws IOException {
    try {
      Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(process.pid())).start();
      if (kill.waitFor() != 0) {
        throw new IOException("kill -HUP " + process.pid() + " failed");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
    awaitGeneration();
  }

  /** The server's log, for failure messages (the temporary directory is gone after the test). */
  private String log() {
    try {
      return Files.readString(dir.resolve("dnsmasq.log"));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** Waits, boundedly, until the server answers with the current generation marker. */
  private void awaitGeneration() {
    String expected = "127.0.1." + generation;
    await(
        () -> {
          if (!process.isAlive()) {
            throw new IllegalStateException("dnsmasq exited: " + log());
          }
          return expected.equals(markerAddress());
        },
        "dnsmasq to serve generation " + generation);
  }

  private String markerAddress() {
    try {
      SimpleResolver resolver =
          new SimpleResolver(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      resolver.setTimeout(Duration.ofMillis(200));
      Lookup lookup = new Lookup(Name.fromString("generation." + DOMAIN + "."), Type.A);
      lookup.setResolver(resolver);
      lookup.setCache(null);
      lookup.setHostsFileParser(null);
      Record[] records = lookup.run();
      return records == null ? null : ((ARecord) records[0]).getAddress().getHostAddress();
    } catch (IOException e) {
      return null;
    }
  }

  /** Polls a condition every 20 ms until it holds or {@link #WAIT} passes. */
  public static void await(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + WAIT + " waiting for " + what);
      }
      LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
    }
  }

  /**
   * A port free for both UDP and TCP on loopback: dnsmasq listens on both, and a port whose TCP
   * side another process holds makes it exit at once.
   */
  private static int freeUdpPort() throws IOException {
    for (int attempt = 0; ; attempt++) {
      try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
        int candidate = socket.getLocalPort();
        try (java.net.ServerSocket tcp =
            new java.net.ServerSocket(candidate, 1, InetAddress.getLoopbackAddress())) {
          if (tcp.getLocalPort() == candidate) {
            return candidate; // free for both; both are closed before dnsmasq binds them
          }
        } catch (IOException tcpTaken) {
          if (attempt > 50) {
            throw tcpTaken;
          }
        }
      }
    }
  }
}
