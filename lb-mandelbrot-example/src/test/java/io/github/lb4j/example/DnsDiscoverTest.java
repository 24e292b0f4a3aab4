package io.github.lb4j.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.lb4j.dnsmasq.Dnsmasq;
import java.io.IOException;
import java.net.BindException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code serve --discover dns:worker:PORT}, the way the compose file runs the front end: every A
 * record of one name is a worker on one fixed port. A real dnsmasq on a loopback port answers for
 * the name; the workers listen on 127.0.0.1, 127.0.0.2 and 127.0.0.3 with the same port, as
 * containers of one scaled service do on their own addresses.
 */
@Timeout(120)
final class DnsDiscoverTest {
  /** The records' TTL; the front end's lookups are kept at least 5 s apart (the TTL floor). */
  private static final int TTL = 1;

  /** The workers' name; in the test domain, which the server answers for entirely. */
  private static final String NAME = "worker." + Dnsmasq.DOMAIN;

  @TempDir Path dir;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final List<WorkerServer> workers = new ArrayList<>();

  @AfterEach
  void stopWorkers() {
    workers.forEach(WorkerServer::close);
  }

  @Test
  void serve_discoverDnsNameAndPort_usesEveryAddressAndFollowsScaling() throws Exception {
    assumeTrue(Dnsmasq.binary().isPresent(), Dnsmasq.MISSING);
    int port = startWorkersOnOnePort("127.0.0.1", "127.0.0.2", "127.0.0.3");
    try (Dnsmasq dns = new Dnsmasq(dir, TTL)) {
      dns.hosts("127.0.0.1 " + NAME, "127.0.0.2 " + NAME).start();
      ServeCommand cmd = new ServeCommand();
      String discover = "dns:" + NAME + ":" + port + "@" + dns.server();
      String token = TestTokens.file(dir).toString();
      new CommandLine(cmd)
          .parseArgs(
              ("--port 0 --picker round-robin --tile 32 --discover "
                      + discover
                      + " --token-file "
                      + token)
                  .split(" "));
      try (ServeCommand.Running running = cmd.start()) {
        // 4 tiles over the two addresses of the name.
        HttpResponse<byte[]> png = get(running, "/render.png?width=64&height=48&maxIter=100");
        assertEquals(200, png.statusCode(), new String(png.body(), StandardCharsets.UTF_8));
        assertTrue(workers.get(0).tilesServed() > 0, "127.0.0.1 computes tiles");
        assertTrue(workers.get(1).tilesServed() > 0, "127.0.0.2 computes tiles");
        assertEquals(4, workers.get(0).tilesServed() + workers.get(1).tilesServed());
        assertEquals(0, workers.get(2).tilesServed(), "127.0.0.3 is not in DNS yet");
        String status = status(running);
        assertTrue(status.contains(id("127.0.0.1", port)), status);
        assertTrue(status.contains(id("127.0.0.2", port)), status);
        assertTrue(!status.contains(id("127.0.0.3", port)), status);

        // Scaled up: a third container answers for the name; the front end finds it.
        dns.hosts("127.0.0.1 " + NAME, "127.0.0.2 " + NAME, "127.0.0.3 " + NAME);
        Dnsmasq.await(() -> status(running).contains(id("127.0.0.3", port)), "127.0.0.3 a member");
        assertEquals(
            200, get(running, "/render.png?width=64&height=48&maxIter=100&re=-0.5").statusCode());
        assertTrue(workers.get(2).tilesServed() > 0, "the new worker computes tiles");

        // Scaled down: the first address leaves the name and the balancer.
        dns.hosts("127.0.0.2 " + NAME, "127.0.0.3 " + NAME);
        Dnsmasq.await(() -> !status(running).contains(id("127.0.0.1", port)), "127.0.0.1 removed");
        int before = workers.get(0).tilesServed();
        assertEquals(
            200, get(running, "/render.png?width=64&height=48&maxIter=100&re=-0.7").statusCode());
        assertEquals(before, workers.get(0).tilesServed(), "no tile for the removed worker");
      }
    }
  }

  /** Workers on the same free port of every address; starts over if one address has it taken. */
  private int startWorkersOnOnePort(String... addresses) throws IOException {
    for (int attempt = 1; ; attempt++) {
      WorkerServer first = WorkerServer.start(addresses[0], 0, "w1", 1, 1, TestTokens.AUTH);
      workers.add(first);
      int port = first.uri().getPort();
      try {
        for (int k = 1; k < addresses.length; k++) {
          workers.add(WorkerServer.start(addresses[k], port, "w" + (k + 1), 1, 1, TestTokens.AUTH));
        }
        return port;
      } catch (BindException taken) {
        stopWorkers();
        workers.clear();
        if (attempt == 5) {
          throw taken;
        }
      }
    }
  }

  /** An endpoint of the balancer in the front end's status. */
  private static String id(String address, int port) {
    return "\"id\":\"http://" + address + ":" + port + "\"";
  }

  private HttpResponse<byte[]> get(ServeCommand.Running running, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(running.uri().resolve(path)).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private String status(ServeCommand.Running running) {
    try {
      return new String(get(running, "/api/status").body(), StandardCharsets.UTF_8);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
