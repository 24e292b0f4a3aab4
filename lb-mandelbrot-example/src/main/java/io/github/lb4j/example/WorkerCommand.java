package io.github.lb4j.example;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code worker}: runs one Mandelbrot worker until the process is stopped. */
@Command(
    name = "worker",
    mixinStandardHelpOptions = true,
    description =
        "Runs a Mandelbrot worker (GET /tile, GET /health); tiles only for holders of"
            + " the token (--token-file or "
            + TileAuth.ENV
            + ").")
final class WorkerCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--port", required = true, description = "Port to listen on (0: any free one).")
  int port;

  @Option(names = "--bind", defaultValue = "127.0.0.1", description = "Address to listen on.")
  String bind;

  @Option(names = "--threads", description = "Compute threads (default: available processors).")
  Integer threads;

  @Option(names = "--slow", defaultValue = "1", description = "Slow factor: answer F times slower.")
  double slow;

  @Option(
      names = "--slow-mode",
      defaultValue = "sleep",
      description =
          "How a slowed worker spends the extra time: sleep (idle, the CPU stays free) or spin"
              + " (its compute thread burns F times the tile's CPU) (default: ${DEFAULT-VALUE}).")
  String slowMode;

  @Mixin TokenOption token;

  @Option(names = "--id", description = "Worker id for X-Worker-Id (default: worker-<port>).")
  String id;

  @Option(
      names = "--parent-pid",
      paramLabel = "PID",
      description =
          "Exit when the process PID exits (set by serve, render and report --processes).")
  Long parentPid;

  @Override
  public Integer call() throws Exception {
    int t = threads != null ? threads : Runtime.getRuntime().availableProcessors();
    WorkerServer.checkOptions(port, t, slow); // before the token, so a typo is named first
    WorkerServer.SlowMode mode = WorkerServer.SlowMode.parse(slowMode);
    WorkerServer worker = WorkerServer.start(bind, port, id, t, slow, token.remote());
    worker.slowMode(mode);
    Runtime.getRuntime().addShutdownHook(new Thread(worker::close));
    if (parentPid != null) {
      WorkerProcess.exitWhenGone(parentPid);
    }
    spec.commandLine().getOut().println(worker.id() + " listening on " + worker.uri());
    spec.commandLine().getOut().flush();
    new CountDownLatch(1).await();
    return 0;
  }
}
