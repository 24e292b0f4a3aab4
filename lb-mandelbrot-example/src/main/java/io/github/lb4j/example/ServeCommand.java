package io.github.lb4j.example;

import io.github.lb4j.Ticker;
import io.github.lb4j.discovery.EndpointSource;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code serve}: starts local workers (or uses given ones) and the front end: the Mandelbrot page
 * with its live dashboard at {@code /}, its JSON API under {@code /api/} (see {@code
 * docs/web-api.md}) and {@code GET /render.png?re=&im=&zoom=&width=&height=&maxIter=&tile=}.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = "Starts workers and a front end (the default command).")
final class ServeCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--port",
      defaultValue = "8080",
      description = "Front end port (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--max-cost",
      description =
          "Largest render, in pixels x maxIter "
              + "(default: 2e10 per worker, one to two minutes of work).")
  Long maxCost;

  @Option(
      names = "--max-renders",
      defaultValue = "4",
      description = "Renders running at once; more are answered 429 (default: ${DEFAULT-VALUE}).")
  int maxRenders;

  @Option(
      names = "--bind",
      defaultValue = "127.0.0.1",
      description = "Front end address (default: ${DEFAULT-VALUE}).")
  String bind;

  @Option(
      names = "--workers",
      defaultValue = "4",
      description = "Local workers to start (default: ${DEFAULT-VALUE}).")
  int workers;

  @ArgGroup(exclusive = true, multiplicity = "0..1")
  Source source = new Source();

  /** Where the workers come from instead of starting {@code --workers} local ones. */
  static final class Source {
    @Option(
        names = "--worker-urls",
        split = ",",
        paramLabel = "URL",
        description = "Use these workers instead.")
    List<String> workerUrls;

    @Option(
        names = "--discover",
        paramLabel = "SPEC",
        description = "Find workers through discovery instead: " + Cluster.DISCOVER_FORMS)
    String discover;
  }

  @Mixin TokenOption token;

  @Option(
      names = "--picker",
      defaultValue = "least-connection",
      description = "The picker (default: ${DEFAULT-VALUE}).")
  String picker;

  @Option(
      names = "--tile",
      defaultValue = "128",
      description = "Tile side (default: ${DEFAULT-VALUE}).")
  int tile;

  @Option(
      names = "--supervise",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "Replace local workers the health monitor takes out (default: ${DEFAULT-VALUE}).")
  boolean supervise;

  @Option(
      names = "--processes",
      description =
          "Run each local worker as a child process (a JVM of its own, supervised: one that dies"
              + " is replaced by a new process; the page's Stop sends it SIGSTOP).")
  boolean processes;

  @Override
  public Integer call() throws Exception {
    Running running = start();
    Runtime.getRuntime().addShutdownHook(new Thread(running::close));
    PrintWriter stdout = spec.commandLine().getOut();
    stdout.println(
        "Mandelbrot page on "
            + running.uri()
            + " over "
            + running.frontEnd.balancer().endpoints().size()
            + " workers ("
            + running.frontEnd.balancer().snapshot().pickerName()
            + ")");
    stdout.flush();
    new CountDownLatch(1).await();
    return 0;
  }

  /** A started front end with its workers; closing stops everything. */
  static final class Running implements AutoCloseable {
    final Workers workers;
    final FrontEnd frontEnd;

    Running(Workers workers, FrontEnd frontEnd) {
      this.workers = workers;
      this.frontEnd = frontEnd;
    }

    URI uri() {
      return frontEnd.uri();
    }

    @Override
    public void close() {
      frontEnd.close();
      workers.close();
    }
  }

  /** Validates the options, starts the workers (or takes the given ones) and the front end. */
  Running start() throws IOException {
    TileSpec.checkRange("port", port, 0, 65535);
    TileSpec.checkRange("workers", workers, 1, 64);
    TileSpec.checkRange("tile", tile, 16, TileSpec.MAX_SIDE);
    PickerName pickerName = PickerName.parse(picker);
    EndpointSource discovered =
        source.discover == null ? null : Cluster.discoverySource(source.discover);
    if (discovered == null && source.workerUrls == null) {
      token.checkUnused("with local workers");
    }
    Workers ws =
        discovered != null
            ? new Workers(token.remote())
            : source.workerUrls != null
                ? Workers.remote(source.workerUrls, token::remote)
                : Workers.start(workers, 1, 0, 1, TileAuth.generate(new SecureRandom()), processes);
    try {
      int n = discovered != null ? 1 : ws.endpoints.size();
      FrontEnd.Admission admission =
          maxCost != null
              ? new FrontEnd.Admission(maxCost, maxRenders)
              : FrontEnd.Admission.forWorkers(n, maxRenders);
      FrontEnd f =
          FrontEnd.start(bind, port, ws, pickerName, tile, Ticker.system(), discovered, admission);
      if (f.supervisor() != null) {
        f.supervisor().replacing(supervise);
      }
      return new Running(ws, f);
    } catch (IOException | RuntimeException e) {
      ws.close();
      throw e;
    }
  }
}
