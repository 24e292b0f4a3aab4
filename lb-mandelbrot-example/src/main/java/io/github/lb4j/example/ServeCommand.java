package io.github.lb4j.example;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.github.lb4j.BalancerSnapshot;
import io.github.lb4j.EndpointState;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code serve}: starts local workers (or uses given ones) and a small front end: {@code GET /}
 * answers the balancer's status as JSON, {@code GET /render.png?re=&im=&zoom=&width=&height=&maxIter=}
 * renders a view through the workers, reusing cached tiles.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Starts workers and a front end (the default command).")
final class ServeCommand implements Callable<Integer> {

  @Option(names = "--port", defaultValue = "8080", description = "Front end port (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--bind", defaultValue = "127.0.0.1", description = "Front end address (default: ${DEFAULT-VALUE}).")
  String bind;

  @Option(names = "--workers", defaultValue = "4", description = "Local workers to start (default: ${DEFAULT-VALUE}).")
  int workers;

  @Option(names = "--worker-urls", split = ",", paramLabel = "URL", description = "Use these workers instead.")
  List<String> workerUrls;

  @Option(names = "--picker", defaultValue = "least-connection", description = "The picker (default: ${DEFAULT-VALUE}).")
  String picker;

  @Option(names = "--tile", defaultValue = "128", description = "Tile side (default: ${DEFAULT-VALUE}).")
  int tile;

  @Override
  public Integer call() throws Exception {
    Running running = start();
    Runtime.getRuntime().addShutdownHook(new Thread(running::close));
    System.out.println("front end on " + running.uri() + " over " + running.workers.endpoints.size()
        + " workers (" + running.cluster.balancer().snapshot().pickerName() + ")");
    new CountDownLatch(1).await();
    return 0;
  }

  /** A started front end with its workers; closing stops everything. */
  static final class Running implements AutoCloseable {
    final Workers workers;
    final Cluster cluster;
    final HttpServer front;
    final ExecutorService frontPool;

    Running(Workers workers, Cluster cluster, HttpServer front, ExecutorService frontPool) {
      this.workers = workers;
      this.cluster = cluster;
      this.front = front;
      this.frontPool = frontPool;
    }

    URI uri() {
      InetSocketAddress a = front.getAddress();
      return URI.create("http://" + a.getAddress().getHostAddress() + ":" + a.getPort() + "/");
    }

    @Override
    public void close() {
      front.stop(0);
      frontPool.shutdownNow();
      cluster.close();
      workers.close();
    }
  }

  /** Validates the options, starts the workers (or takes the given ones) and the front end. */
  Running start() throws IOException {
    TileSpec.checkRange("port", port, 0, 65535);
    TileSpec.checkRange("workers", workers, 1, 64);
    TileSpec.checkRange("tile", tile, 1, TileSpec.MAX_SIDE);
    PickerName pickerName = PickerName.parse(picker);
    Workers ws = workerUrls != null ? Workers.remote(workerUrls) : Workers.start(workers, 1, 0, 1);
    Cluster cluster = new Cluster(ws.endpoints, pickerName, Cluster.Settings.defaults());
    Renderer renderer = new Renderer(256L << 20);
    HttpServer front;
    try {
      front = HttpServers.create(new InetSocketAddress(bind, port), 16);
    } catch (IOException e) {
      cluster.close();
      ws.close();
      throw e;
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    front.setExecutor(pool);
    front.createContext("/", ex -> {
      try (ex) {
        if (!ex.getRequestURI().getPath().equals("/")) {
          HttpServers.sendError(ex, 404, "not found", null, "no such path: " + ex.getRequestURI().getPath());
          return;
        }
        HttpServers.send(ex, 200, "application/json", status(cluster.balancer().snapshot()).getBytes(StandardCharsets.UTF_8));
      }
    });
    front.createContext("/render.png", ex -> {
      try (ex) {
        renderPng(ex, cluster, renderer);
      }
    });
    front.start();
    return new Running(ws, cluster, front, pool);
  }

  private void renderPng(HttpExchange ex, Cluster cluster, Renderer renderer) throws IOException {
    Map<String, String> q = HttpServers.query(ex.getRequestURI().getRawQuery());
    try {
      View view = View.centred(num(q, "re", -0.75), num(q, "im", 0), num(q, "zoom", 1),
          (int) num(q, "width", 800), (int) num(q, "height", 600), (int) num(q, "maxIter", 500), tile);
      Renderer.Result r = renderer.render(view, cluster, p -> {});
      ByteArrayOutputStream png = new ByteArrayOutputStream();
      ImageIO.write(r.image(), "png", png);
      HttpServers.send(ex, 200, "image/png", png.toByteArray());
    } catch (InvalidParameterException e) {
      HttpServers.sendError(ex, 400, "bad request", e.parameter(), e.getMessage());
    } catch (RenderException e) {
      HttpServers.sendError(ex, 502, "render failed", null, e.getMessage());
    }
  }

  private static double num(Map<String, String> q, String name, double dflt) {
    String v = q.get(name);
    if (v == null) {
      return dflt;
    }
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new InvalidParameterException(name, name + ": '" + v + "' (expected: a number)");
    }
  }

  static String status(BalancerSnapshot s) {
    StringBuilder sb = new StringBuilder("{\"balancer\":").append(Json.quote(s.balancerName()))
        .append(",\"picker\":").append(Json.quote(s.pickerName())).append(",\"endpoints\":[");
    for (int i = 0; i < s.endpoints().size(); i++) {
      EndpointState e = s.endpoints().get(i);
      sb.append(i == 0 ? "" : ",").append("{\"id\":").append(Json.quote(e.endpoint().id()))
          .append(",\"address\":").append(Json.quote(e.endpoint().address().toString()))
          .append(",\"health\":").append(Json.quote(e.health().name()))
          .append(",\"inFlight\":").append(e.inFlight())
          .append(",\"successes\":").append(e.successes())
          .append(",\"failures\":").append(e.failures())
          .append(String.format(Locale.ROOT, ",\"latencyEwmaMs\":%.3f}", e.latencyEwmaNanos() / 1e6));
    }
    return sb.append("]}").toString();
  }

}
