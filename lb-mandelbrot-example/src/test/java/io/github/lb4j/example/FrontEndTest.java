package io.github.lb4j.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

@Timeout(60)
final class FrontEndTest {
  @TempDir Path dir;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  ServeCommand.Running running;

  ServeCommand.Running start(String... args) throws IOException {
    ServeCommand cmd = new ServeCommand();
    new CommandLine(cmd).parseArgs(args);
    running = cmd.start();
    return running;
  }

  ServeCommand.Running startLocal(int workers) throws IOException {
    return start(
        "--port",
        "0",
        "--workers",
        String.valueOf(workers),
        "--picker",
        "round-robin",
        "--tile",
        "32");
  }

  @AfterEach
  void stop() {
    if (running != null) {
      running.close();
    }
  }

  HttpResponse<String> send(String method, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(running.uri().resolve(path))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .timeout(Duration.ofSeconds(30))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Sends the request line exactly as given, so that no client normalizes the path. */
  String raw(String target) throws IOException {
    URI u = running.uri();
    try (Socket s = new Socket(u.getHost(), u.getPort())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(
          ("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  static String field(String json, String name) {
    Matcher m = Pattern.compile("\"" + name + "\":(\"[^\"]*\"|[^,}\\]]+)").matcher(json);
    assertTrue(m.find(), name + " in " + json);
    String v = m.group(1);
    return v.startsWith("\"") ? v.substring(1, v.length() - 1) : v;
  }

  static Map<String, Integer> counts(String json, String name) {
    Matcher m = Pattern.compile("\"" + name + "\":\\{([^}]*)}").matcher(json);
    assertTrue(m.find(), name + " in " + json);
    Map<String, Integer> out = new TreeMap<>();
    Matcher e = Pattern.compile("\"([^\"]+)\":(\\d+)").matcher(m.group(1));
    while (e.find()) {
      out.put(e.group(1), Integer.parseInt(e.group(2)));
    }
    return out;
  }

  /** Starts a render and long-polls it to its end; returns every answer. */
  List<String> renderToEnd(String query) throws Exception {
    HttpResponse<String> started = send("POST", "/api/renders?" + query);
    assertEquals(202, started.statusCode(), started.body());
    List<String> answers = new ArrayList<>(List.of(started.body()));
    String id = field(started.body(), "id");
    String last = started.body();
    for (int polls = 0; field(last, "state").equals("running"); polls++) {
      assertTrue(polls < 200, "render still running after 200 polls: " + last);
      HttpResponse<String> r =
          send("GET", "/api/renders/" + id + "?since=" + field(last, "next") + "&waitMs=5000");
      assertEquals(200, r.statusCode(), r.body());
      last = r.body();
      answers.add(last);
    }
    return answers;
  }

  @Test
  void index_get_servesThePageAsHtml() throws Exception {
    startLocal(1);
    HttpResponse<String> r = send("GET", "/");
    assertEquals(200, r.statusCode());
    assertEquals("text/html; charset=utf-8", r.headers().firstValue("Content-Type").orElseThrow());
    assertTrue(r.body().contains("<canvas id=\"image\""), r.body());
    assertTrue(r.body().contains("<script src=\"/static/app.js\">"), r.body());
    assertFalse(
        r.body().contains("http://") || r.body().contains("https://"),
        "the page loads nothing from elsewhere");
  }

  @Test
  void staticAssets_get_servedFromTheJarWithTheirContentTypes() throws Exception {
    startLocal(1);
    Map<String, String> types =
        Map.of(
            "/static/app.js", "text/javascript; charset=utf-8",
            "/static/style.css", "text/css; charset=utf-8",
            "/static/favicon.svg", "image/svg+xml");
    for (Map.Entry<String, String> t : types.entrySet()) {
      HttpResponse<String> r = send("GET", t.getKey());
      assertEquals(200, r.statusCode(), t.getKey());
      assertEquals(t.getValue(), r.headers().firstValue("Content-Type").orElseThrow(), t.getKey());
      assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElseThrow());
      assertFalse(r.body().isEmpty());
    }
  }

  @Test
  void staticAssets_pathTraversal_notFoundAndNothingLeaks() throws Exception {
    startLocal(1);
    List<String> attempts =
        List.of(
            "/static/../simplelogger.properties",
            "/static/%2e%2e/simplelogger.properties",
            "/static/..%2fsimplelogger.properties",
            "/static/%2e%2e%2f%2e%2e%2fio/github/lb4j/example/Main.class",
            "/static/..\\simplelogger.properties",
            "/static//etc/passwd",
            "/static/web/app.js",
            "/static/App.js",
            "/static/missing.js",
            "/../simplelogger.properties",
            "/static/app.js%00.png");
    for (String target : attempts) {
      String answer = raw(target);
      assertTrue(
          answer.startsWith("HTTP/1.1 404") || answer.startsWith("HTTP/1.1 400"),
          target + " -> " + answer);
      assertFalse(answer.contains("org.slf4j") || answer.contains("root:"), target + " leaked");
    }
    assertTrue(raw("/static/app.js").startsWith("HTTP/1.1 200"));
  }

  @Test
  void render_job_everyTileArrivesOnceWithItsWorker() throws Exception {
    startLocal(2);
    List<String> answers =
        renderToEnd("width=256&height=128&tile=32&maxIter=200&re=-0.5&im=0&zoom=1");
    String last = answers.get(answers.size() - 1);
    assertEquals("done", field(last, "state"), last);
    assertEquals("32", field(last, "total"));
    assertEquals("32", field(last, "done"));
    assertEquals("0", field(last, "cached"));
    assertEquals("round-robin", field(last, "picker"));
    Map<String, Integer> per = counts(last, "perWorker");
    assertEquals(List.of("worker-1", "worker-2"), List.copyOf(per.keySet()), per.toString());
    assertEquals(32, per.values().stream().mapToInt(Integer::intValue).sum(), per.toString());

    Pattern tile =
        Pattern.compile(
            "\\{\"i\":(\\d+),\"x\":(\\d+),\"y\":(\\d+),\"w\":(\\d+),\"h\":(\\d+),\"worker\":\"([^\"]+)\",\"png\":\"([^\"]+)\"}");
    boolean[] seen = new boolean[32];
    for (String a : answers) {
      Matcher m = tile.matcher(a);
      while (m.find()) {
        int i = Integer.parseInt(m.group(1));
        assertFalse(seen[i], "tile " + i + " twice");
        seen[i] = true;
        assertEquals(32 * (i % 8), Integer.parseInt(m.group(2)));
        assertEquals(32 * (i / 8), Integer.parseInt(m.group(3)));
        BufferedImage img =
            ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(m.group(7))));
        assertEquals(32, img.getWidth());
        assertEquals(32, img.getHeight());
        assertTrue(m.group(6).startsWith("worker-"), m.group(6));
      }
    }
    for (int i = 0; i < seen.length; i++) {
      assertTrue(seen[i], "tile " + i + " never sent");
    }

    // The dashboard counts the same tiles.
    String status = send("GET", "/api/status").body();
    assertEquals(per, counts(status, "perWorker"));
    assertTrue(status.contains("\"lastRenderTiles\":" + per.get("worker-1")), status);
  }

  @Test
  void render_sameViewAgain_everyTileFromTheCache() throws Exception {
    startLocal(2);
    String q = "width=64&height=64&tile=32&maxIter=100";
    renderToEnd(q);
    List<String> again = renderToEnd(q);
    String last = again.get(again.size() - 1);
    assertEquals("done", field(last, "state"));
    assertEquals("4", field(last, "cached"));
    assertEquals(Map.of("cache", 4), counts(last, "perWorker"));
  }

  @Test
  void render_recompute_bypassesTheCacheAndTheWorkersComputeEveryTile() throws Exception {
    startLocal(2);
    String q = "width=64&height=64&tile=32&maxIter=100";
    renderToEnd(q);
    List<String> again = renderToEnd(q + "&recompute=true");
    String last = again.get(again.size() - 1);
    assertEquals("done", field(last, "state"));
    assertEquals("0", field(last, "cached"));
    Map<String, Integer> per = counts(last, "perWorker");
    assertFalse(per.containsKey("cache"), per.toString());
    assertEquals(4, per.values().stream().mapToInt(Integer::intValue).sum(), per.toString());

    HttpResponse<String> bad = send("POST", "/api/renders?" + q + "&recompute=yes");
    assertEquals(400, bad.statusCode());
    assertEquals(
        "{\"error\":\"bad request\",\"parameter\":\"recompute\",\"message\":"
            + "\"recompute: 'yes' (expected: true or false)\"}",
        bad.body());
  }

  @Test
  void render_badParameters_400WithTheParameterAndExpectation() throws Exception {
    startLocal(1);
    Map<String, String> cases =
        new TreeMap<>(
            Map.of(
                "width=abc",
                    "{\"error\":\"bad request\",\"parameter\":\"width\",\"message\":\"width: 'abc' (expected: an integer)\"}",
                "width=5",
                    "{\"error\":\"bad request\",\"parameter\":\"width\",\"message\":\"width: 5 (expected: in [16, 4096])\"}",
                "height=99999",
                    "{\"error\":\"bad request\",\"parameter\":\"height\",\"message\":\"height: 99999 (expected: in [16, 4096])\"}",
                "maxIter=0",
                    "{\"error\":\"bad request\",\"parameter\":\"maxIter\",\"message\":\"maxIter: 0 (expected: in [1, 65535])\"}",
                "zoom=0",
                    "{\"error\":\"bad request\",\"parameter\":\"zoom\",\"message\":\"zoom: 0 (expected: in [0.01, 1e12])\"}",
                "re=NaN",
                    "{\"error\":\"bad request\",\"parameter\":\"re\",\"message\":\"re: 'NaN' (expected: a finite number)\"}",
                "im=7",
                    "{\"error\":\"bad request\",\"parameter\":\"im\",\"message\":\"im: 7 (expected: in [-4, 4])\"}",
                "picker=best",
                    "{\"error\":\"bad request\",\"parameter\":\"picker\",\"message\":\"picker: 'best' (expected: one of round-robin, least-connection, peak-ewma, consistent-hash, random, reported-load)\"}",
                "width=4096&height=4096&tile=16",
                    "{\"error\":\"bad request\",\"parameter\":\"tile\",\"message\":\"tile: 16 (expected: at most 4096 tiles per image; 4096x4096 makes 65536)\"}",
                "tile=2000",
                    "{\"error\":\"bad request\",\"parameter\":\"tile\",\"message\":\"tile: 2000 (expected: in [16, 1024])\"}"));
    for (Map.Entry<String, String> c : cases.entrySet()) {
      HttpResponse<String> r = send("POST", "/api/renders?" + c.getKey());
      assertEquals(400, r.statusCode(), c.getKey());
      assertEquals("application/json", r.headers().firstValue("Content-Type").orElseThrow());
      assertEquals(c.getValue(), r.body(), c.getKey());
    }
    // Nothing was started.
    assertEquals(404, send("GET", "/api/renders/r1").statusCode());
    assertTrue(send("GET", "/api/status").body().contains("\"lastRender\":null"));
  }

  @Test
  void api_wrongMethodOrUnknownThing_405Or404() throws Exception {
    startLocal(1);
    HttpResponse<String> r = send("GET", "/api/renders");
    assertEquals(405, r.statusCode());
    assertEquals("POST", r.headers().firstValue("Allow").orElseThrow());
    assertEquals(
        "{\"error\":\"method not allowed\",\"message\":\"method: GET (expected: POST)\"}",
        r.body());
    r = send("GET", "/api/renders/r42");
    assertEquals(404, r.statusCode());
    assertEquals(
        "{\"error\":\"not found\",\"parameter\":\"id\",\"message\":\"id: 'r42' (expected: a recent render)\"}",
        r.body());
    r = send("POST", "/api/workers/worker-9/kill");
    assertEquals(404, r.statusCode());
    assertEquals(
        "{\"error\":\"not found\",\"parameter\":\"id\",\"message\":\"id: 'worker-9' (expected: one of [worker-1])\"}",
        r.body());
    r = send("GET", "/api/nothing");
    assertEquals(404, r.statusCode());
    r = send("GET", "/api/renders/r1?since=-1");
    assertEquals(400, r.statusCode());
    assertEquals(
        "{\"error\":\"bad request\",\"parameter\":\"since\",\"message\":\"since: -1 (expected: in [0, 4096])\"}",
        r.body());
  }

  @Test
  void workers_slowAndRestore_showInTheStatus() throws Exception {
    startLocal(2);
    HttpResponse<String> bad = send("POST", "/api/workers/worker-1/slow?factor=0.5");
    assertEquals(400, bad.statusCode());
    assertEquals(
        "{\"error\":\"bad request\",\"parameter\":\"factor\",\"message\":\"factor: 0.5 (expected: in [1, 50])\"}",
        bad.body());
    assertEquals(1, running.frontEnd.supervisor().worker("worker-1").slowFactor());

    assertEquals(200, send("POST", "/api/workers/worker-1/slow?factor=8").statusCode());
    assertEquals(8, running.frontEnd.supervisor().worker("worker-1").slowFactor());
    assertTrue(send("GET", "/api/status").body().contains("\"id\":\"worker-1\""));
    assertTrue(send("GET", "/api/status").body().contains("\"slow\":8"));

    assertEquals(200, send("POST", "/api/workers/worker-1/restore").statusCode());
    assertEquals(1, running.frontEnd.supervisor().worker("worker-1").slowFactor());
  }

  @Test
  void workers_addThenKill_killedOneIsReplacedAndRendersStillComplete() throws Exception {
    startLocal(2);
    BlockingQueue<Supervisor.Replacement> replaced = new ArrayBlockingQueue<>(4);
    running
        .frontEnd
        .supervisor()
        .addListener(
            new Supervisor.Listener() {
              @Override
              public void onReplaced(Supervisor.Replacement r) {
                replaced.add(r);
              }
            });
    HttpResponse<String> added = send("POST", "/api/workers");
    assertEquals(201, added.statusCode(), added.body());
    assertEquals("worker-3", field(added.body(), "id"));
    assertEquals(3, running.frontEnd.balancer().endpoints().size());

    assertEquals(200, send("POST", "/api/workers/worker-2/kill").statusCode());
    String status = send("GET", "/api/status").body();
    assertTrue(status.contains("\"id\":\"worker-2\""), status);
    assertTrue(status.contains("\"killed\":true"), status);

    List<String> answers = renderToEnd("width=128&height=128&tile=32&maxIter=100&re=0.25");
    assertEquals("done", field(answers.get(answers.size() - 1), "state"));

    Supervisor.Replacement r = replaced.poll(20, TimeUnit.SECONDS);
    assertNotNull(r, "worker-2 not replaced within 20 s");
    assertEquals("worker-2", r.dead().id());
    assertEquals("worker-4", r.replacement().id());
    status = send("GET", "/api/status").body();
    assertFalse(status.contains("\"id\":\"worker-2\""), status);
    assertTrue(status.contains("\"id\":\"worker-4\""), status);
    assertTrue(status.contains("supervisor replaced worker-2 by worker-4"), status);
  }

  @Test
  void supervisor_replacingOff_killedWorkerStaysAMember() throws Exception {
    startLocal(2);
    HttpResponse<String> bad = send("POST", "/api/supervisor?replacing=maybe");
    assertEquals(400, bad.statusCode());
    assertEquals(
        "{\"error\":\"bad request\",\"parameter\":\"replacing\",\"message\":\"replacing: 'maybe' (expected: true or false)\"}",
        bad.body());
    assertEquals(200, send("POST", "/api/supervisor?replacing=false").statusCode());
    assertTrue(send("GET", "/api/status").body().contains("\"replacing\":false"));
    assertFalse(running.frontEnd.supervisor().isReplacing());
  }

  @Test
  void serve_noSupervise_startsWithReplacingOff() throws Exception {
    start("--port", "0", "--workers", "1", "--no-supervise");
    assertFalse(running.frontEnd.supervisor().isReplacing());
    assertTrue(send("GET", "/api/status").body().contains("\"replacing\":false"));
  }

  @Test
  void picker_changedByARender_rebuildsTheBalancerOverTheSameWorkers() throws Exception {
    startLocal(2);
    List<String> before =
        running.frontEnd.balancer().endpoints().stream()
            .map(e -> e.id() + "=" + e.address())
            .toList();
    List<String> answers = renderToEnd("width=64&height=64&tile=32&picker=consistent-hash");
    assertEquals("done", field(answers.get(answers.size() - 1), "state"));
    String status = send("GET", "/api/status").body();
    assertNotEquals("round-robin", field(status, "picker"));
    assertTrue(field(status, "picker").startsWith("consistent-hash"), status);
    assertEquals(
        before,
        running.frontEnd.balancer().endpoints().stream()
            .map(e -> e.id() + "=" + e.address())
            .toList());
    assertTrue(status.contains("picker changed to consistent-hash"), status);
  }

  @Test
  void remoteWorkers_controls_409() throws Exception {
    try (WorkerServer w = WorkerServer.start("127.0.0.1", 0, null, 1, 1, TestTokens.AUTH)) {
      start(
          "--port",
          "0",
          "--worker-urls",
          w.uri().toString(),
          "--token-file",
          TestTokens.file(dir).toString());
      HttpResponse<String> r = send("POST", "/api/workers");
      assertEquals(409, r.statusCode());
      assertEquals(
          "{\"error\":\"conflict\",\"message\":\"the workers are remote (--worker-urls): only local workers can be controlled\"}",
          r.body());
      List<String> answers = renderToEnd("width=64&height=64&tile=32");
      assertEquals("done", field(answers.get(answers.size() - 1), "state"));
      assertTrue(send("GET", "/api/status").body().contains("\"local\":false"));
    }
  }
}
