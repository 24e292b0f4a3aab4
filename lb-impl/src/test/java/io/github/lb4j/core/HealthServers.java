package io.github.lb4j.core;

import io.github.lb4j.Endpoint;
import io.github.lb4j.LoadReport;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;

/**
 * Real HTTP endpoints on 127.0.0.1 whose health answer a test sets: each answers every request with
 * its current status code, and can be shut down and started again on the same port.
 */
final class HealthServers implements AutoCloseable {
  private final List<MockWebServer> servers = new ArrayList<>();
  private final List<AtomicInteger> status = new ArrayList<>();
  private final List<Integer> ports = new ArrayList<>();
  private final List<AtomicInteger> requests = new ArrayList<>();
  private final List<AtomicReference<String>> loadHeaders = new ArrayList<>();

  HealthServers(int count) throws IOException {
    for (int i = 0; i < count; i++) {
      status.add(new AtomicInteger(200));
      requests.add(new AtomicInteger());
      loadHeaders.add(new AtomicReference<>());
      MockWebServer server = newServer(i);
      int port = freePort();
      server.start(InetAddress.getByName("127.0.0.1"), port);
      servers.add(server);
      ports.add(port);
    }
  }

  /**
   * A free loopback port. Servers start on an explicit port because MockWebServer then listens with
   * SO_REUSEADDR, which the connections it accepts inherit: a restart can bind the port again while
   * the old connections sit in TIME_WAIT (the JDK's client closes its side of an idle connection as
   * soon as the server closes, so the server's side ends in TIME_WAIT).
   */
  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return socket.getLocalPort();
    }
  }

  private MockWebServer newServer(int i) {
    MockWebServer server = new MockWebServer();
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            requests.get(i).incrementAndGet();
            MockResponse response =
                new MockResponse().setResponseCode(status.get(i).get()).setBody("ok");
            String load = loadHeaders.get(i).get();
            return load == null ? response : response.addHeader(LoadReport.HEADER, load);
          }
        });
    return server;
  }

  Endpoint endpoint(int i) {
    return Endpoint.of("http://127.0.0.1:" + ports.get(i));
  }

  List<Endpoint> endpoints() {
    List<Endpoint> list = new ArrayList<>();
    for (int i = 0; i < servers.size(); i++) {
      list.add(endpoint(i));
    }
    return list;
  }

  String id(int i) {
    return endpoint(i).id();
  }

  /** Makes server {@code i} answer with {@code code} from now on. */
  void answer(int i, int code) {
    status.get(i).set(code);
  }

  /** Makes server {@code i} send {@code header} as its load report header from now on. */
  void reportLoad(int i, String header) {
    loadHeaders.get(i).set(header);
  }

  /** Requests server {@code i} received, across restarts. */
  int requests(int i) {
    return requests.get(i).get();
  }

  MockWebServer server(int i) {
    return servers.get(i);
  }

  void shutDown(int i) throws IOException {
    servers.get(i).shutdown();
  }

  /** Starts server {@code i} again on its old port. */
  void restart(int i) throws IOException {
    MockWebServer server = newServer(i);
    server.start(InetAddress.getByName("127.0.0.1"), ports.get(i));
    servers.set(i, server);
  }

  @Override
  public void close() throws IOException {
    for (MockWebServer server : servers) {
      server.shutdown();
    }
  }
}
