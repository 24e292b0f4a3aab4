package io.github.lb4j.example;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** Creates the JDK HTTP servers of this example and holds what their handlers share. */
final class HttpServers {
  /**
   * The JDK server's switch for TCP_NODELAY, off by default. Off, each answer (headers and body are
   * two writes) can wait for the client's delayed acknowledgement, about 40 ms on Linux: that
   * tripled the time of a distributed render.
   */
  private static final String NO_DELAY = "sun.net.httpserver.nodelay";

  static {
    if (System.getProperty(NO_DELAY) == null) {
      System.setProperty(NO_DELAY, "true"); // read once, when the first server is created
    }
  }

  private HttpServers() {}

  static HttpServer create(InetSocketAddress address, int backlog) throws IOException {
    return HttpServer.create(address, backlog);
  }

  /** The decoded query parameters; the first of repeated ones wins. */
  static Map<String, String> query(String rawQuery) {
    Map<String, String> q = new HashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return q;
    }
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      q.putIfAbsent(k, v);
    }
    return q;
  }

  /** Sends a whole answer. */
  static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(status, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  /**
   * Sends a JSON error: {@code {"error":..., "parameter":..., "message":...}}, without the
   * parameter when it is {@code null}.
   */
  static void sendError(HttpExchange ex, int status, String error, String parameter, String message)
      throws IOException {
    StringBuilder json = new StringBuilder("{\"error\":").append(Json.quote(error));
    if (parameter != null) {
      json.append(",\"parameter\":").append(Json.quote(parameter));
    }
    json.append(",\"message\":").append(Json.quote(message)).append('}');
    send(ex, status, "application/json", json.toString().getBytes(StandardCharsets.UTF_8));
  }
}
