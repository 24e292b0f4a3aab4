package io.github.lb4j.example;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The example's command line: {@code serve} (the default), {@code worker}, {@code render} and
 * {@code report}.
 *
 * <p>Bad input prints a one-line message and the usage to standard error and exits with 2; a failed
 * run prints one {@code error:} line and exits with 1.
 */
@Command(
    name = "lb4j-mandelbrot",
    mixinStandardHelpOptions = true,
    version = "lb4j Mandelbrot example",
    description = "Renders the Mandelbrot set on workers balanced by lb4j.",
    subcommands = {
      ServeCommand.class,
      WorkerCommand.class,
      RenderCommand.class,
      ReportCommand.class
    })
public final class Main implements Runnable {

  private static final java.util.Set<String> TOP_LEVEL_OPTIONS =
      java.util.Set.of("-h", "--help", "-V", "--version");

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Runs the command line and exits with its status; without arguments, runs {@code serve}. */
  public static void main(String[] args) {
    int status =
        run(
            args,
            new PrintWriter(System.out, true, StandardCharsets.UTF_8),
            new PrintWriter(System.err, true, StandardCharsets.UTF_8));
    System.exit(status); // serve and worker only return on an error
  }

  /**
   * Runs the command line with the given streams and returns the exit status. Without a command (no
   * arguments, or options only, such as {@code --port 9090}) it runs {@code serve}.
   */
  static int run(String[] args, PrintWriter out, PrintWriter err) {
    if (args.length == 0 || (args[0].startsWith("-") && !TOP_LEVEL_OPTIONS.contains(args[0]))) {
      String[] withServe = new String[args.length + 1];
      withServe[0] = "serve";
      System.arraycopy(args, 0, withServe, 1, args.length);
      args = withServe;
    }
    CommandLine cl = new CommandLine(new Main());
    cl.setOut(out);
    cl.setErr(err);
    cl.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          if (e instanceof InvalidParameterException) {
            commandLine.getErr().println(e.getMessage());
            commandLine.usage(commandLine.getErr());
            return 2;
          }
          String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
          commandLine.getErr().println("error: " + message);
          return 1;
        });
    return cl.execute(args);
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
  }
}
