package io.github.lb4j.example;

import io.github.lb4j.Balancer;
import io.github.lb4j.Endpoint;
import io.github.lb4j.discovery.EndpointSource;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code proxy}: an HTTP/1.1 reverse proxy over upstreams balanced by lb4j ({@link ReverseProxy}),
 * with its dashboard at {@value ReverseProxy#DASHBOARD}. See {@code docs/proxy.md}.
 */
@Command(
    name = "proxy",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = "Runs an HTTP/1.1 reverse proxy over upstreams balanced by lb4j.")
final class ProxyCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--port",
      defaultValue = "8080",
      description = "Port to listen on (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--bind",
      defaultValue = "127.0.0.1",
      description = "Address to listen on (default: ${DEFAULT-VALUE}).")
  String bind;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Source source = new Source();

  /** Where the upstreams come from. */
  static final class Source {
    @Option(
        names = "--upstreams",
        split = ",",
        paramLabel = "URL",
        description = "The upstreams, such as http://127.0.0.1:9001,http://127.0.0.1:9002.")
    List<String> upstreams;

    @Option(
        names = "--discover",
        paramLabel = "SPEC",
        description = "Find the upstreams through discovery: " + Cluster.DISCOVER_FORMS)
    String discover;
  }

  @Option(
      names = "--picker",
      defaultValue = "least-connection",
      description =
          "round-robin, least-connection, peak-ewma, consistent-hash or random"
              + " (default: ${DEFAULT-VALUE}).")
  String picker;

  @Option(
      names = "--hash-key",
      paramLabel = "KEY",
      description =
          "With --picker consistent-hash: header:NAME, path (with the query) or client-ip"
              + " (default: path).")
  String hashKey;

  @Option(
      names = "--max-attempts",
      defaultValue = "3",
      description = "Attempts per request, the first included (default: ${DEFAULT-VALUE}).")
  int maxAttempts;

  @Option(
      names = "--upstream-timeout-ms",
      defaultValue = "30000",
      description =
          "Longest wait for each read from an upstream, its answer's head included"
              + " (default: ${DEFAULT-VALUE}).")
  long upstreamTimeoutMs;

  @Option(
      names = "--health-interval-ms",
      defaultValue = "2000",
      description =
          "Interval of the active checks, GET /health on each upstream; 0 turns them off"
              + " (default: ${DEFAULT-VALUE}).")
  long healthIntervalMs;

  @Option(
      names = "--access-log",
      paramLabel = "FILE",
      description =
          "Append a line per request to FILE: seconds taken, status, method, target"
              + " (nginx's $request_time $status $request_method $request_uri).")
  java.nio.file.Path accessLog;

  @Override
  public Integer call() throws Exception {
    ReverseProxy proxy = start();
    Runtime.getRuntime().addShutdownHook(new Thread(proxy::close));
    PrintWriter stdout = spec.commandLine().getOut();
    int n = proxy.balancer().endpoints().size();
    stdout.println(
        "Proxy on "
            + proxy.uri()
            + " over "
            + n
            + (n == 1 ? " upstream (" : " upstreams (")
            + proxy.balancer().snapshot().pickerName()
            + "); dashboard at "
            + proxy.uri().resolve(ReverseProxy.DASHBOARD));
    stdout.flush();
    new CountDownLatch(1).await();
    return 0;
  }

  /** Checks the options and starts the proxy. */
  ReverseProxy start() throws IOException {
    TileSpec.checkRange("port", port, 0, 65535);
    TileSpec.checkRange("upstream-timeout-ms", upstreamTimeoutMs, 1, 3_600_000);
    TileSpec.checkRange("health-interval-ms", healthIntervalMs, 0, 3_600_000);
    if (healthIntervalMs > 0 && healthIntervalMs < 100) {
      throw new InvalidParameterException(
          "health-interval-ms",
          "health-interval-ms: " + healthIntervalMs + " (expected: 0 for none, or >= 100)");
    }
    PickerName pickerName = PickerName.parse(picker);
    ReverseProxy.HashKey key = null;
    if (pickerName == PickerName.CONSISTENT_HASH) {
      key = ReverseProxy.HashKey.parse(hashKey == null ? "path" : hashKey);
    } else if (hashKey != null) {
      throw new InvalidParameterException(
          "hash-key",
          "hash-key: given with --picker "
              + pickerName
              + " (expected: only with --picker consistent-hash)");
    }
    ReverseProxy.Settings settings =
        new ReverseProxy.Settings(
            maxAttempts,
            Duration.ofMillis(upstreamTimeoutMs),
            key,
            accessLog == null ? null : ReverseProxy.AccessLog.open(accessLog));
    EndpointSource discovered =
        source.discover == null ? null : Cluster.discoverySource(source.discover);
    List<Endpoint> upstreams =
        discovered == null ? Workers.endpoints("upstreams", source.upstreams) : List.of();
    Balancer balancer =
        ReverseProxy.balancer(upstreams, pickerName, Duration.ofMillis(healthIntervalMs));
    ReverseProxy proxy;
    try {
      proxy = ReverseProxy.start(bind, port, balancer, settings, ReverseProxy.limits());
    } catch (IOException | RuntimeException e) {
      balancer.close();
      throw e;
    }
    if (discovered != null) {
      proxy.follow(discovered);
    }
    return proxy;
  }
}
