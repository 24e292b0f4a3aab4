package io.github.lb4j.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

@Timeout(60)
final class ServeCommandTest {
  @TempDir Path dir;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  HttpResponse<byte[]> get(ServeCommand.Running running, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(running.uri().resolve(path)).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  @Test
  void servesStatusAndRendersThroughItsWorkers() throws Exception {
    ServeCommand cmd = new ServeCommand();
    new CommandLine(cmd)
        .parseArgs("--port", "0", "--workers", "2", "--picker", "round-robin", "--tile", "32");
    try (ServeCommand.Running running = cmd.start()) {
      HttpResponse<byte[]> png = get(running, "/render.png?width=64&height=48&maxIter=100");
      assertEquals(200, png.statusCode(), new String(png.body(), StandardCharsets.UTF_8));
      BufferedImage img = ImageIO.read(new ByteArrayInputStream(png.body()));
      assertEquals(64, img.getWidth());
      assertEquals(48, img.getHeight());

      String status = new String(get(running, "/api/status").body(), StandardCharsets.UTF_8);
      assertTrue(
          status.startsWith("{\"balancer\":\"mandelbrot\",\"picker\":\"round-robin\","), status);
      assertTrue(status.contains("\"endpoints\":[{\"id\":\"worker-1\""), status);
      assertTrue(status.contains("\"successes\":2"), status); // 4 tiles over 2 workers

      HttpResponse<byte[]> bad = get(running, "/render.png?zoom=-1");
      assertEquals(400, bad.statusCode());
      assertEquals(
          "{\"error\":\"bad request\",\"parameter\":\"zoom\",\"message\":\"zoom: -1 (expected: in [0.01, 1e12])\"}",
          new String(bad.body(), StandardCharsets.UTF_8));
    }
  }

  @Test
  void serve_discoverStatic_rendersOnTheDiscoveredWorkersAndKeepsThemAcrossPickerChanges()
      throws Exception {
    try (Workers remote = Workers.start(2, 1, 0, 1, TestTokens.AUTH)) {
      String spec = "static:" + remote.started.get(0).uri() + "," + remote.started.get(1).uri();
      ServeCommand cmd = new ServeCommand();
      new CommandLine(cmd)
          .parseArgs(
              "--port",
              "0",
              "--discover",
              spec,
              "--tile",
              "32",
              "--token-file",
              TestTokens.file(dir).toString());
      try (ServeCommand.Running running = cmd.start()) {
        assertEquals(200, get(running, "/render.png?width=64&height=48&maxIter=100").statusCode());
        String status = new String(get(running, "/api/status").body(), StandardCharsets.UTF_8);
        assertTrue(status.contains(remote.started.get(0).uri().toString()), status);
        assertTrue(status.contains(remote.started.get(1).uri().toString()), status);
        assertTrue(!status.contains("worker-3"), "no local workers started: " + status);
        // A picker change builds a new cluster; it must follow the discovery source too.
        assertEquals(
            200,
            get(running, "/render.png?width=64&height=48&maxIter=100&picker=round-robin")
                .statusCode());
      }
    }
  }

  @Test
  void serve_discoverBadSpec_rejectedNamingTheOption() {
    ServeCommand cmd = new ServeCommand();
    new CommandLine(cmd).parseArgs("--port", "0", "--discover", "nope");
    InvalidParameterException e =
        org.junit.jupiter.api.Assertions.assertThrows(InvalidParameterException.class, cmd::start);
    assertEquals("discover", e.parameter());
    assertTrue(e.getMessage().startsWith("discover: 'nope' (expected: "), e.getMessage());
  }

  @Test
  void serve_discoverWithWorkerUrls_rejectedAsExclusive() {
    CliTest.Run r =
        CliTest.run(
            "serve",
            "--port",
            "0",
            "--worker-urls",
            "http://127.0.0.1:1",
            "--discover",
            "static:http://127.0.0.1:2");
    assertEquals(2, r.status(), r.err());
    assertTrue(r.firstErrLine().contains("mutually exclusive"), r.err());
    assertEquals(
        "Try 'lb4j-mandelbrot serve --help' for the full usage.",
        r.err().lines().toList().get(1),
        r.err());
  }
}
