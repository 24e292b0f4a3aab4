package io.github.lb4j.jdkhttp;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.github.lb4j.Endpoint;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** A JDK HTTP server on 127.0.0.1 and an ephemeral port, recording the requests it answers. */
final class TestServer implements AutoCloseable {
  /** Answers one exchange; may block (each exchange has a thread of its own). */
  interface Answer {
    void answer(HttpExchange exchange) throws IOException, InterruptedException;
  }

  final String name;
  final List<String> requests = new CopyOnWriteArrayList<>();
  private final HttpServer server;
  private final ExecutorService threads = Executors.newCachedThreadPool();

  private TestServer(String name, Answer answer) throws IOException {
    this.name = name;
    this.server =
        HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
    server.setExecutor(threads);
    server.createContext(
        "/",
        exchange -> {
          requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI());
          try (exchange) {
            exchange.getRequestBody().readAllBytes();
            answer.answer(exchange);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    server.start();
  }

  /** A server answering every request with {@code status} and the body "name status". */
  static TestServer answering(String name, int status) throws IOException {
    return new TestServer(name, exchange -> respond(exchange, status, name + " " + status));
  }

  static TestServer start(String name, Answer answer) throws IOException {
    return new TestServer(name, answer);
  }

  static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** An endpoint whose id is the server's name. */
  Endpoint endpoint() {
    return Endpoint.of(name, java.net.URI.create("http://127.0.0.1:" + port()));
  }

  int port() {
    return server.getAddress().getPort();
  }

  /** An endpoint on a loopback port where nothing listens: connecting is refused. */
  static Endpoint refusing(String name) throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      port = socket.getLocalPort();
    }
    return Endpoint.of(name, java.net.URI.create("http://127.0.0.1:" + port));
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
