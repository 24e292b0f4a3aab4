package io.github.lb4j.example;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(30)
class WorkerServerTest {
  static final String OK = "reMin=-2&reMax=1&imMin=-1&imMax=1&width=8&height=4&maxIter=100";

  static WorkerServer worker;
  static final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() throws IOException {
    worker = WorkerServer.start("127.0.0.1", 0, "w-test", 2, 1, TestTokens.AUTH);
  }

  @AfterAll
  static void stop() {
    worker.close();
  }

  static HttpResponse<byte[]> get(String pathAndQuery) throws Exception {
    return send(
        HttpRequest.newBuilder(worker.uri().resolve(pathAndQuery))
            .header("Authorization", "Bearer " + TestTokens.TOKEN)
            .GET());
  }

  static HttpResponse<byte[]> send(HttpRequest.Builder b) throws Exception {
    return http.send(
        b.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  @Test
  void healthAnswersOkWithTheWorkerId() throws Exception {
    HttpResponse<byte[]> r = get("/health");
    assertEquals(200, r.statusCode());
    assertEquals("w-test", r.headers().firstValue("X-Worker-Id").orElseThrow());
    assertTrue(
        new String(r.body(), StandardCharsets.UTF_8)
            .startsWith("{\"status\":\"ok\",\"id\":\"w-test\""));
  }

  @Test
  void tileAnswersRawCountsIdenticalToTheKernel() throws Exception {
    HttpResponse<byte[]> r = get("/tile?" + OK);
    assertEquals(200, r.statusCode());
    assertEquals("application/octet-stream", r.headers().firstValue("Content-Type").orElseThrow());
    assertEquals("w-test", r.headers().firstValue("X-Worker-Id").orElseThrow());
    TileSpec spec = new TileSpec(-2, 1, -1, 1, 8, 4, 100);
    assertArrayEquals(Mandelbrot.iterate(spec), TileCounts.verify(r.body(), spec).toArray());
  }

  @Test
  void tileAnswersAPngOnRequest() throws Exception {
    HttpResponse<byte[]> r = get("/tile?" + OK + "&format=png");
    assertEquals(200, r.statusCode());
    assertEquals("image/png", r.headers().firstValue("Content-Type").orElseThrow());
    BufferedImage img = ImageIO.read(new ByteArrayInputStream(r.body()));
    assertEquals(8, img.getWidth());
    assertEquals(4, img.getHeight());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "reMax=1&imMin=-1&imMax=1&width=8&height=4&maxIter=100|reMin|reMin: missing (expected: a finite number)",
        "reMin=abc&reMax=1&imMin=-1&imMax=1&width=8&height=4&maxIter=100|reMin|reMin: 'abc' (expected: a finite number)",
        "reMin=NaN&reMax=1&imMin=-1&imMax=1&width=8&height=4&maxIter=100|reMin|reMin: NaN (expected: a finite number)",
        "reMin=-2&reMax=Infinity&imMin=-1&imMax=1&width=8&height=4&maxIter=100|reMax|reMax: Infinity (expected: a finite number)",
        "reMin=1&reMax=1&imMin=-1&imMax=1&width=8&height=4&maxIter=100|reMax|reMax: 1.0 (expected: > reMin = 1.0; the region is empty)",
        "reMin=-2&reMax=1&imMin=1&imMax=-1&width=8&height=4&maxIter=100|imMax|imMax: -1.0 (expected: > imMin = 1.0; the region is inverted)",
        "reMin=-2&reMax=1&imMin=-1&imMax=1&width=0&height=4&maxIter=100|width|width: 0 (expected: in [1, 1024])",
        "reMin=-2&reMax=1&imMin=-1&imMax=1&width=8&height=-3&maxIter=100|height|height: -3 (expected: in [1, 1024])",
        "reMin=-2&reMax=1&imMin=-1&imMax=1&width=2000&height=4&maxIter=100|width|width: 2000 (expected: in [1, 1024])",
        "reMin=-2&reMax=1&imMin=-1&imMax=1&width=8.5&height=4&maxIter=100|width|width: '8.5' (expected: an integer)",
        "reMin=-2&reMax=1&imMin=-1&imMax=1&width=8&height=4&maxIter=70000|maxIter|maxIter: 70000 (expected: in [1, 65535])",
        "reMin=-2&reMax=1&imMin=-1&imMax=1&width=8&height=4|maxIter|maxIter: missing (expected: an integer)",
        "reMin=-2&reMax=1&imMin=-1&imMax=1&width=8&height=4&maxIter=10&format=gif|format|format: 'gif' (expected: raw or png)",
      })
  void badInputAnswers400WithAJsonErrorNamingTheParameter(
      String query, String parameter, String message) throws Exception {
    HttpResponse<byte[]> r = get("/tile?" + query);
    assertEquals(400, r.statusCode());
    assertEquals("application/json", r.headers().firstValue("Content-Type").orElseThrow());
    assertEquals(
        "{\"error\":\"bad request\",\"parameter\":\""
            + parameter
            + "\",\"message\":\""
            + message
            + "\"}",
        new String(r.body(), StandardCharsets.UTF_8));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "''",
        "Bearer not-the-token-at-all-0000",
        "Bearer test-token-0123456789abcde",
        "test-token-0123456789abcdef",
        "Basic dGVzdDp0ZXN0",
      })
  void tile_missingOrWrongToken_401WithJsonAndNoCompute(String authorization) throws Exception {
    int before = worker.tilesServed();
    HttpRequest.Builder b = HttpRequest.newBuilder(worker.uri().resolve("/tile?" + OK)).GET();
    if (!authorization.isEmpty()) {
      b.header("Authorization", authorization);
    }
    HttpResponse<byte[]> r = send(b);
    assertEquals(401, r.statusCode());
    assertEquals("application/json", r.headers().firstValue("Content-Type").orElseThrow());
    assertEquals("Bearer", r.headers().firstValue("WWW-Authenticate").orElseThrow());
    assertEquals(
        "{\"error\":\"unauthorized\",\"message\":\"missing or wrong token (expected:"
            + " Authorization: Bearer and the workers' token)\"}",
        new String(r.body(), StandardCharsets.UTF_8));
    assertFalse(r.headers().firstValue(TileAuth.SIGNATURE_HEADER).isPresent());
    assertEquals(before, worker.tilesServed(), "no tile computed");
  }

  @Test
  void tile_answerCarriesItsChecksumAndSignature() throws Exception {
    HttpResponse<byte[]> r = get("/tile?" + OK);
    assertEquals(200, r.statusCode());
    TileSpec spec = new TileSpec(-2, 1, -1, 1, 8, 4, 100);
    assertEquals(
        TileVerifier.checksum(r.body()),
        r.headers().firstValue(TileVerifier.CHECKSUM_HEADER).orElseThrow());
    assertTrue(
        TestTokens.AUTH.verify(
            spec, r.body(), r.headers().firstValue(TileAuth.SIGNATURE_HEADER).orElseThrow()));
  }

  @Test
  void unknownPathsAndMethodsAreRefusedWithJson() throws Exception {
    HttpResponse<byte[]> notFound = get("/nope");
    assertEquals(404, notFound.statusCode());
    assertEquals(
        "{\"error\":\"not found\",\"message\":\"no such path: /nope\"}",
        new String(notFound.body(), StandardCharsets.UTF_8));
    HttpResponse<byte[]> post =
        send(
            HttpRequest.newBuilder(worker.uri().resolve("/tile?" + OK))
                .POST(HttpRequest.BodyPublishers.noBody()));
    assertEquals(405, post.statusCode());
  }

  @Test
  void aStoppedWorkerRefusesConnections() throws Exception {
    WorkerServer w = WorkerServer.start("127.0.0.1", 0, null, 1, 1, TestTokens.AUTH);
    URI uri = w.uri();
    assertEquals("worker-" + uri.getPort(), w.id());
    w.close();
    assertThrows(
        IOException.class,
        () ->
            http.send(
                HttpRequest.newBuilder(uri.resolve("/health"))
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.discarding()));
  }
}
