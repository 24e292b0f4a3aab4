package io.github.lb4j.example;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.github.lb4j.Balancer;
import io.github.lb4j.Endpoint;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;
import org.eclipse.jetty.http.HttpField;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proxy over real upstreams on 127.0.0.1: bodies byte for byte, headers, retries, errors,
 * timeouts and a render through it. The timeouts are hang guards, never what is asserted.
 */
@Timeout(120)
final class ProxyTest {
  private static final ReverseProxy.Settings SETTINGS =
      new ReverseProxy.Settings(3, Duration.ofSeconds(30), null);

  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  @RegisterExtension final Closer closer = new Closer();
  private final CountDownLatch release = new CountDownLatch(1);
  private final CountDownLatch firstPart = new CountDownLatch(1);

  @TempDir Path dir;

  @AfterEach
  void releaseBlockedHandlers() {
    release.countDown(); // before the servers close: a handler may be waiting on it
  }

  /**
   * An upstream on the example's server: {@code /echo?mode=fixed|chunked} answers the request's
   * body, {@code /headers} the request's header lines, {@code /blocked} waits for the test's
   * release, {@code /health} 200. Each answer names the upstream in {@code X-Upstream}.
   */
  private final class Echo implements AutoCloseable {
    final String name;
    final HttpServer server;
    final AtomicInteger requests = new AtomicInteger();

    Echo(String name) throws IOException {
      this.name = name;
      this.server = HttpServers.create(name, "127.0.0.1", 0, HttpServers.Limits.defaults());
      server.createContext("/", this::handle);
      closer.add(this);
    }

    URI uri() {
      return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    Endpoint endpoint() {
      return Endpoint.of(name, uri());
    }

    private void handle(HttpExchange ex) throws IOException {
      try (ex) {
        String path = HttpServers.path(ex);
        if (!path.equals("/health")) {
          requests.incrementAndGet();
        }
        ex.getResponseHeaders().set("X-Upstream", name);
        ex.getResponseHeaders().set("Keep-Alive", "timeout=99");
        ex.getResponseHeaders().set("Proxy-Authenticate", "Basic realm=upstream");
        switch (path) {
          case "/echo" -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            boolean chunked =
                HttpServers.query(ex, java.util.Set.of("mode")).get("mode").equals("chunked");
            ex.sendResponseHeaders(200, chunked ? 0 : body.length == 0 ? -1 : body.length);
            try (OutputStream out = ex.getResponseBody()) {
              int half = body.length / 2;
              out.write(body, 0, half);
              out.flush();
              out.write(body, half, body.length - half);
            }
          }
          case "/headers" -> {
            StringBuilder sb = new StringBuilder();
            for (HttpField f : HttpServers.jetty(ex).getHeaders()) {
              sb.append(f.getName().toLowerCase(Locale.ROOT)).append(": ").append(f.getValue());
              sb.append('\n');
            }
            HttpServers.send(ex, 200, "text/plain", sb.toString().getBytes(StandardCharsets.UTF_8));
          }
          case "/stream" -> {
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            out.write("first".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            await(release);
            out.write("-second".getBytes(StandardCharsets.US_ASCII));
          }
          case "/upload" -> {
            InputStream in = ex.getRequestBody();
            byte[] first = new byte[5];
            // Not readNBytes(5): it reads on after the five bytes, until the body ends.
            in.readNBytes(first, 0, first.length);
            firstPart.countDown();
            byte[] rest = in.readAllBytes();
            HttpServers.send(
                ex,
                200,
                "text/plain",
                (new String(first, StandardCharsets.US_ASCII)
                        + "+"
                        + new String(rest, StandardCharsets.US_ASCII))
                    .getBytes(StandardCharsets.US_ASCII));
          }
          case "/slow" -> {
            try {
              Thread.sleep(1500); // an upstream slower than the proxy's idle timeout
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            HttpServers.send(ex, 200, "text/plain", "late".getBytes(StandardCharsets.UTF_8));
          }
          case "/blocked" -> {
            try {
              release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            HttpServers.send(ex, 200, "text/plain", new byte[0]);
          }
          default -> HttpServers.send(ex, 200, "text/plain", "ok".getBytes(StandardCharsets.UTF_8));
        }
      }
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * An upstream that dies on every request: it reads the request's head (and its body, when it has
   * a Content-Length), then closes the connection without an answer.
   */
  private final class Dying implements AutoCloseable {
    final ServerSocket socket = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
    final AtomicInteger requests = new AtomicInteger();
    final Thread acceptor;

    Dying() throws IOException {
      this("");
    }

    /** Sends {@code answer} (the start of one, say) before it closes the connection. */
    Dying(String answer) throws IOException {
      acceptor =
          new Thread(
              () -> {
                while (!socket.isClosed()) {
                  try (Socket s = socket.accept()) {
                    s.setSoTimeout(30_000);
                    String head = readHead(s.getInputStream());
                    if (head.isEmpty()) {
                      continue;
                    }
                    requests.incrementAndGet();
                    for (String line : head.split("\r\n")) {
                      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                        s.getInputStream().readNBytes(Integer.parseInt(line.substring(15).trim()));
                      }
                    }
                    s.getOutputStream().write(answer.getBytes(StandardCharsets.ISO_8859_1));
                    s.getOutputStream().flush();
                  } catch (IOException e) {
                    // closed, or the proxy gave up: either way the next connection
                  }
                }
              },
              "dying-upstream");
      acceptor.setDaemon(true);
      acceptor.start();
      closer.add(this);
    }

    Endpoint endpoint() {
      return Endpoint.of("dying", URI.create("http://127.0.0.1:" + socket.getLocalPort()));
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0) {
      head.write(b);
      byte[] h = head.toByteArray();
      int n = h.length;
      if (n >= 4 && h[n - 4] == '\r' && h[n - 3] == '\n' && h[n - 2] == '\r' && h[n - 1] == '\n') {
        break;
      }
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }

  private ReverseProxy proxy(PickerName picker, Endpoint... upstreams) throws IOException {
    return proxy(picker, SETTINGS, ReverseProxy.limits(), upstreams);
  }

  private ReverseProxy proxy(
      PickerName picker,
      ReverseProxy.Settings settings,
      HttpServers.Limits limits,
      Endpoint... upstreams)
      throws IOException {
    // No active checks: what the tests see is the proxy's own handling of each request.
    Balancer b = ReverseProxy.balancer(List.of(upstreams), picker, Duration.ZERO);
    return closer.add(ReverseProxy.start("127.0.0.1", 0, b, settings, limits));
  }

  private HttpResponse<byte[]> send(HttpRequest.Builder request) throws Exception {
    return http.send(
        request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  /** Waits until no lease is open (a hang guard of 30 s); the count is what is asserted. */
  private static void awaitNoneInFlight(ReverseProxy p) throws InterruptedException {
    for (int i = 0; i < 30_000 && p.balancer().snapshot().totalInFlight() != 0; i++) {
      Thread.sleep(1);
    }
    assertEquals(0, p.balancer().snapshot().totalInFlight(), p.status());
  }

  private static String text(HttpResponse<byte[]> r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  // ---- bodies and headers

  @Test
  void echo_bodiesFromEmptyToTenMegabytes_roundTripByteForByte() throws Exception {
    Echo echo = new Echo("echo");
    ReverseProxy p = proxy(PickerName.ROUND_ROBIN, echo.endpoint());
    Random random = new Random(42);
    for (int size : new int[] {0, 1, 16_383, 16_385, 1 << 20, 10 << 20}) {
      byte[] data = new byte[size];
      random.nextBytes(data);
      for (String requestForm : List.of("fixed", "chunked")) {
        for (String mode : List.of("fixed", "chunked")) {
          HttpRequest.BodyPublisher body =
              requestForm.equals("fixed")
                  ? HttpRequest.BodyPublishers.ofByteArray(data)
                  : HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(data));
          HttpResponse<byte[]> r =
              send(HttpRequest.newBuilder(p.uri().resolve("/echo?mode=" + mode)).POST(body));
          String what = size + " bytes, request " + requestForm + ", answer " + mode;
          assertEquals(200, r.statusCode(), what);
          assertArrayEquals(data, r.body(), what);
          if (size > 0) {
            assertEquals(
                mode.equals("fixed") ? Integer.toString(size) : "",
                r.headers().firstValue("Content-Length").orElse(""),
                what);
          }
        }
      }
    }
  }

  @Test
  void answer_isStreamed_beforeTheUpstreamHasSentItAll() throws Exception {
    Echo echo = new Echo("echo");
    ReverseProxy p = proxy(PickerName.ROUND_ROBIN, echo.endpoint());
    HttpResponse<InputStream> r =
        http.send(
            HttpRequest.newBuilder(p.uri().resolve("/stream")).build(),
            HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream in = r.body()) {
      // The upstream holds the rest until this part has reached the client through the proxy.
      assertEquals("first", new String(in.readNBytes(5), StandardCharsets.US_ASCII));
      release.countDown();
      assertEquals("-second", new String(in.readAllBytes(), StandardCharsets.US_ASCII));
    }
  }

  @Test
  void requestBody_isStreamed_beforeTheClientHasSentItAll() throws Exception {
    Echo echo = new Echo("echo");
    ReverseProxy p = proxy(PickerName.ROUND_ROBIN, echo.endpoint());
    try (Socket s = new Socket("127.0.0.1", p.uri().getPort())) {
      s.setSoTimeout(30_000);
      OutputStream out = s.getOutputStream();
      out.write(
          ("POST /upload HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                  + "Transfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      // The rest is sent only once the upstream has read the first part through the proxy.
      firstPart.await();
      out.write("4\r\nrest\r\n0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
      assertTrue(answer.endsWith("\r\n\r\nfirst+rest"), answer);
    }
  }

  @Test
  void upstreamHeaders_dropUpgradeTrailerAndTheConnectionListedOnes() {
    org.eclipse.jetty.http.HttpFields fields =
        org.eclipse.jetty.http.HttpFields.build()
            .add("Connection", "upgrade, X-Private")
            .add("Upgrade", "websocket")
            .add("Trailer", "X-Checksum")
            .add("Transfer-Encoding", "chunked")
            .add("Proxy-Connection", "keep-alive")
            .add("X-Private", "1")
            .add("Content-Length", "3")
            .add("Accept-Encoding", "gzip")
            .add("X-Public", "2");
    okhttp3.Headers h = ReverseProxy.upstreamHeaders(fields, "192.0.2.7");
    assertEquals(
        java.util.Set.of(
            "Accept-Encoding", "X-Public", "X-Forwarded-For", "X-Forwarded-Proto", "Via"),
        java.util.Set.copyOf(h.names()),
        h.toString());
    assertEquals("192.0.2.7", h.get("X-Forwarded-For"));
    assertEquals("gzip", h.get("Accept-Encoding"), "the client's own choice is kept");
  }

  @Test
  void concurrentRequests_allRoundTrip_andInFlightReturnsToZero() throws Exception {
    Echo a = new Echo("a");
    Echo b = new Echo("b");
    Echo c = new Echo("c");
    ReverseProxy p = proxy(PickerName.LEAST_CONNECTION, a.endpoint(), b.endpoint(), c.endpoint());
    Random random = new Random(7);
    List<byte[]> bodies = new ArrayList<>();
    List<java.util.concurrent.CompletableFuture<HttpResponse<byte[]>>> answers = new ArrayList<>();
    for (int i = 0; i < 48; i++) {
      byte[] data = new byte[64 * 1024 + i];
      random.nextBytes(data);
      bodies.add(data);
      answers.add(
          http.sendAsync(
              HttpRequest.newBuilder(
                      p.uri().resolve("/echo?mode=" + (i % 2 == 0 ? "fixed" : "chunked")))
                  .timeout(Duration.ofSeconds(60))
                  .POST(HttpRequest.BodyPublishers.ofByteArray(data))
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray()));
    }
    for (int i = 0; i < bodies.size(); i++) {
      HttpResponse<byte[]> r = answers.get(i).get();
      assertEquals(200, r.statusCode());
      assertArrayEquals(bodies.get(i), r.body(), "request " + i);
    }
    assertEquals(48, a.requests.get() + b.requests.get() + c.requests.get());
    // A lease ends just after the answer's last byte: wait for the last ones.
    awaitNoneInFlight(p);
    assertTrue(p.status().contains("\"errors\":0"), p.status());
  }

  @Test
  void request_hopByHopHeaders_areNotForwardedAndForwardingHeadersAreAdded() throws Exception {
    Echo echo = new Echo("echo");
    ReverseProxy p = proxy(PickerName.ROUND_ROBIN, echo.endpoint());
    String answer =
        raw(
            p.uri(),
            "GET /headers HTTP/1.1\r\n"
                + "Host: example.test\r\n"
                + "Connection: close, X-Drop\r\n"
                + "X-Drop: secret\r\n"
                + "Keep-Alive: timeout=5\r\n"
                + "TE: trailers\r\n"
                + "Proxy-Authorization: Basic c2VjcmV0\r\n"
                + "X-Forwarded-For: 10.0.0.1\r\n"
                + "Via: 1.0 edge\r\n"
                + "X-Kept: yes\r\n"
                + "\r\n");
    String seen = answer.substring(answer.indexOf("\r\n\r\n") + 4);
    assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
    assertTrue(seen.contains("x-kept: yes\n"), seen);
    assertTrue(seen.contains("x-forwarded-for: 10.0.0.1, 127.0.0.1\n"), seen);
    assertTrue(seen.contains("via: 1.0 edge, 1.1 lb4j\n"), seen);
    assertTrue(seen.contains("x-forwarded-host: example.test\n"), seen);
    assertTrue(seen.contains("x-forwarded-proto: http\n"), seen);
    assertTrue(seen.contains("host: 127.0.0.1:" + echo.uri().getPort() + "\n"), seen);
    assertFalse(seen.contains("user-agent"), seen);
    for (String dropped :
        List.of("x-drop", "keep-alive: timeout", "te:", "proxy-authorization", "close")) {
      assertFalse(seen.contains(dropped), dropped + " forwarded: " + seen);
    }
    String head = answer.substring(0, answer.indexOf("\r\n\r\n")).toLowerCase(Locale.ROOT);
    assertTrue(head.contains("\r\nvia: 1.1 lb4j"), head);
    assertTrue(head.contains("\r\nx-upstream: echo"), head);
    assertFalse(head.contains("keep-alive: timeout=99"), head);
    assertFalse(head.contains("proxy-authenticate"), head);
  }

  /** Sends {@code request} as is on a fresh connection and reads until the proxy closes it. */
  private static String raw(URI base, String request) throws IOException {
    try (Socket s = new Socket(base.getHost(), base.getPort())) {
      s.setSoTimeout(30_000);
      s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }

  // ---- retries

  @Test
  void get_whenAnUpstreamDiesWithTheRequest_isRetriedOnAnother() throws Exception {
    Dying dying = new Dying();
    Echo echo = new Echo("echo");
    ReverseProxy p = proxy(PickerName.ROUND_ROBIN, dying.endpoint(), echo.endpoint());
    for (int i = 0; i < 4; i++) {
      HttpResponse<byte[]> r = send(HttpRequest.newBuilder(p.uri().resolve("/any")).GET());
      assertEquals(200, r.statusCode(), text(r));
      assertEquals("echo", r.headers().firstValue("X-Upstream").orElse(""));
    }
    assertTrue(dying.requests.get() >= 1, "the dying upstream was tried");
    assertTrue(p.status().contains("\"retries\":"), p.status());
    assertFalse(p.status().contains("\"retries\":0"), p.status());
  }

  @Test
  void get_whenAnUpstreamIsStopped_isRetriedOnAnother() throws Exception {
    Echo first = new Echo("first");
    Echo second = new Echo("second");
    ReverseProxy p = proxy(PickerName.ROUND_ROBIN, first.endpoint(), second.endpoint());
    for (int i = 0; i < 4; i++) { // both upstreams now have pooled connections
      assertEquals(200, send(HttpRequest.newBuilder(p.uri().resolve("/any")).GET()).statusCode());
    }
    assertTrue(first.requests.get() > 0 && second.requests.get() > 0);
    first.close();
    for (int i = 0; i < 4; i++) {
      HttpResponse<byte[]> r = send(HttpRequest.newBuilder(p.uri().resolve("/any")).GET());
      assertEquals(200, r.statusCode(), text(r));
      assertEquals("second", r.headers().firstValue("X-Upstream").orElse(""));
    }
  }

  @Test
  void post_whenAnUpstreamDiesWithTheRequest_isNeverSentToAnother() throws Exception {
    Dying dying = new Dying();
    Echo echo = new Echo("echo");
    ReverseProxy p = proxy(PickerName.ROUND_ROBIN, dying.endpoint(), echo.endpoint());
    int ok = 0;
    int badGateway = 0;
    for (int i = 0; i < 4; i++) {
      HttpResponse<byte[]> r =
          send(
              HttpRequest.newBuilder(p.uri().resolve("/echo?mode=fixed"))
                  .POST(HttpRequest.BodyPublishers.ofString("order #" + i)));
      if (r.statusCode() == 502) {
        badGateway++;
        assertTrue(text(r).startsWith("{\"error\":\"bad gateway\""), text(r));
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
      } else {
        assertEquals(200, r.statusCode(), text(r));
        assertEquals("order #" + i, text(r));
        ok++;
      }
    }
    assertTrue(badGateway >= 1, "a POST reached the dying upstream");
    // Each POST reached exactly one upstream: the dying one saw each failed one, once.
    assertEquals(badGateway, dying.requests.get());
    assertEquals(ok, echo.requests.get());
  }

  @Test
  void answer_brokenOffByTheUpstream_isBrokenOffForTheClient() throws Exception {
    for (String framing :
        List.of("Transfer-Encoding: chunked\r\n\r\n5\r\n", "Content-Length: 10\r\n\r\n")) {
      Dying upstream = new Dying("HTTP/1.1 200 OK\r\n" + framing + "hello");
      ReverseProxy p = proxy(PickerName.ROUND_ROBIN, upstream.endpoint());
      String answer = raw(p.uri(), "GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
      String body = answer.substring(answer.indexOf("\r\n\r\n") + 4);
      // The client must see the cut: no last chunk, or fewer bytes than the Content-Length.
      assertTrue(body.contains("hello"), body);
      assertFalse(body.endsWith("0\r\n\r\n"), body);
      assertEquals(1, upstream.requests.get(), "an answer under way is not retried");
    }
  }

  @Test
  void post_whenAnUpstreamRefusesConnections_goesToAnother() throws Exception {
    Echo echo = new Echo("echo");
    Endpoint refusing;
    try (ServerSocket closed = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      refusing = Endpoint.of("refusing", URI.create("http://127.0.0.1:" + closed.getLocalPort()));
    }
    ReverseProxy p = proxy(PickerName.ROUND_ROBIN, refusing, echo.endpoint());
    for (int i = 0; i < 3; i++) {
      HttpResponse<byte[]> r =
          send(
              HttpRequest.newBuilder(p.uri().resolve("/echo?mode=fixed"))
                  .POST(HttpRequest.BodyPublishers.ofString("nothing was sent")));
      assertEquals(200, r.statusCode(), text(r));
      assertEquals("nothing was sent", text(r));
    }
  }

  // ---- errors and timeouts

  @Test
  void request_withNoUpstream_isAnswered503WithJson() throws Exception {
    ReverseProxy p = proxy(PickerName.LEAST_CONNECTION);
    HttpResponse<byte[]> r = send(HttpRequest.newBuilder(p.uri().resolve("/x")).GET());
    assertEquals(503, r.statusCode());
    assertTrue(text(r).startsWith("{\"error\":\"no upstream available\""), text(r));
  }

  @Test
  void request_whenTheUpstreamTimesOut_isAnswered504WithJson() throws Exception {
    Echo echo = new Echo("echo");
    ReverseProxy p =
        proxy(
            PickerName.ROUND_ROBIN,
            new ReverseProxy.Settings(3, Duration.ofMillis(300), null),
            ReverseProxy.limits(),
            echo.endpoint());
    HttpResponse<byte[]> r = send(HttpRequest.newBuilder(p.uri().resolve("/blocked")).GET());
    assertEquals(504, r.statusCode(), text(r));
    assertTrue(text(r).startsWith("{\"error\":\"upstream timeout\""), text(r));
    assertEquals(1, echo.requests.get(), "a timed-out request is not retried");
  }

  @Test
  void connection_withAPartialHeader_isClosedByTheIdleTimeout() throws Exception {
    Echo echo = new Echo("echo");
    HttpServers.Limits d = ReverseProxy.limits();
    ReverseProxy p =
        proxy(
            PickerName.ROUND_ROBIN,
            SETTINGS,
            new HttpServers.Limits(
                d.threads(), d.maxConnections(), Duration.ofMillis(500), d.maxHeaderBytes()),
            echo.endpoint());
    try (Socket s = new Socket("127.0.0.1", p.uri().getPort())) {
      s.setSoTimeout(30_000);
      s.getOutputStream()
          .write(
              "GET /echo?mode=fixed HTTP/1.1\r\nHost: x\r\nX-Par"
                  .getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      // Served meanwhile: the half-sent request holds no thread.
      assertEquals(200, send(HttpRequest.newBuilder(p.uri().resolve("/ok")).GET()).statusCode());
      // The proxy closes the connection (at most with an error answer); the read guard is 30 s.
      String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      assertTrue(answer.isEmpty() || answer.startsWith("HTTP/1.1 4"), answer);
    }
    assertEquals(1, echo.requests.get(), "only the whole request was forwarded");
  }

  private ReverseProxy proxyWithIdleTimeout(Duration idle, Endpoint upstream) throws IOException {
    HttpServers.Limits d = ReverseProxy.limits();
    return proxy(
        PickerName.ROUND_ROBIN,
        SETTINGS,
        new HttpServers.Limits(d.threads(), d.maxConnections(), idle, d.maxHeaderBytes()),
        upstream);
  }

  @Test
  void requestBody_stalledByTheClient_isCutByTheIdleTimeout() throws Exception {
    Echo echo = new Echo("echo");
    ReverseProxy p = proxyWithIdleTimeout(Duration.ofMillis(500), echo.endpoint());
    String answer =
        raw(
            p.uri(),
            "POST /echo?mode=fixed HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nhello");
    // The proxy gave up on the 95 missing bytes and closed the connection (read guard: 30 s).
    assertFalse(answer.startsWith("HTTP/1.1 200"), answer);
    awaitNoneInFlight(p);
  }

  @Test
  void upstream_slowerThanTheIdleTimeout_isStillAnswered() throws Exception {
    Echo echo = new Echo("echo");
    ReverseProxy p = proxyWithIdleTimeout(Duration.ofMillis(500), echo.endpoint());
    HttpResponse<byte[]> r = send(HttpRequest.newBuilder(p.uri().resolve("/slow")).GET());
    assertEquals(200, r.statusCode(), text(r));
    assertEquals("late", text(r));
  }

  @Test
  void dashboard_showsThePageAndTheUpstreams() throws Exception {
    Echo echo = new Echo("echo");
    ReverseProxy p = proxy(PickerName.PEAK_EWMA, echo.endpoint());
    assertEquals(200, send(HttpRequest.newBuilder(p.uri().resolve("/x")).GET()).statusCode());
    HttpResponse<byte[]> page = send(HttpRequest.newBuilder(p.uri().resolve("/_lb/")).GET());
    assertEquals(200, page.statusCode());
    assertTrue(text(page).contains("/_lb/status"), text(page));
    HttpResponse<byte[]> status =
        send(HttpRequest.newBuilder(p.uri().resolve("/_lb/status")).GET());
    assertEquals("application/json", status.headers().firstValue("Content-Type").orElse(""));
    assertTrue(text(status).contains("\"picker\":\"peak-ewma\""), text(status));
    assertTrue(text(status).contains("{\"id\":\"echo\",\"address\":"), text(status));
    assertTrue(text(status).contains("\"health\":\"HEALTHY\""), text(status));
    assertTrue(text(status).contains("\"successes\":1"), text(status));
    assertEquals(1, echo.requests.get(), "the dashboard is not forwarded");
    HttpResponse<byte[]> other = send(HttpRequest.newBuilder(p.uri().resolve("/_lb/nope")).GET());
    assertEquals(404, other.statusCode());
    assertTrue(text(other).startsWith("{\"error\":\"not found\""), text(other));
  }

  // ---- the command

  @Test
  void render_throughTheProxy_isTheLocalImage() throws Exception {
    Workers workers = closer.add(Workers.start(2, 1, 0, 1, TestTokens.AUTH));
    ReverseProxy p = proxy(PickerName.LEAST_CONNECTION, workers.endpoints.toArray(new Endpoint[0]));
    Path local = dir.resolve("local.png");
    Path proxied = dir.resolve("proxied.png");
    String common = "render --width 96 --height 64 --max-iter 200 --tile 16 --quiet --out ";
    assertEquals(0, cli((common + local + " --local").split(" ")));
    assertEquals(
        0,
        cli(
            (common
                    + proxied
                    + " --worker-urls "
                    + p.uri()
                    + " --token-file "
                    + TestTokens.file(dir))
                .split(" ")));
    BufferedImage a = ImageIO.read(local.toFile());
    BufferedImage b = ImageIO.read(proxied.toFile());
    assertArrayEquals(RenderTest.pixels(a), RenderTest.pixels(b));
    assertTrue(p.status().contains("\"successes\":"), p.status());
  }

  @Test
  void command_hashKeyWithoutConsistentHash_isAUsageError() {
    StringWriter err = new StringWriter();
    int status =
        Main.run(
            new String[] {"proxy", "--upstreams", "http://127.0.0.1:1", "--hash-key", "path"},
            new PrintWriter(new StringWriter()),
            new PrintWriter(err));
    assertEquals(2, status);
    assertTrue(
        err.toString()
            .startsWith(
                "hash-key: given with --picker least-connection (expected: only with --picker"
                    + " consistent-hash)"),
        err.toString());
  }

  @Test
  void command_badHashKeyAndBadUpstream_nameTheOption() {
    StringWriter err = new StringWriter();
    int status =
        Main.run(
            new String[] {
              "proxy",
              "--upstreams",
              "http://127.0.0.1:1",
              "--picker",
              "consistent-hash",
              "--hash-key",
              "cookie:x"
            },
            new PrintWriter(new StringWriter()),
            new PrintWriter(err));
    assertEquals(2, status);
    assertTrue(
        err.toString().startsWith("hash-key: 'cookie:x' (expected: header:NAME"), err.toString());
    StringWriter err2 = new StringWriter();
    assertEquals(
        2,
        Main.run(
            new String[] {"proxy", "--upstreams", "ftp://x"},
            new PrintWriter(new StringWriter()),
            new PrintWriter(err2)));
    assertTrue(
        err2.toString().startsWith("upstreams: 'ftp://x' (expected: http://host:port)"),
        err2.toString());
  }

  private static int cli(String... args) {
    return Main.run(args, new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
  }
}
