package io.github.lb4j.example;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;

/** Creates the JDK HTTP servers of this example. */
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
}
