package io.github.lb4j.example;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The example's command line: {@code serve} (the default), {@code worker}, {@code render}, {@code
 * report} and {@code proxy}.
 *
 * <p>Bad input prints a one-line message and a hint to try {@code --help} to standard error and
 * exits with 2; a failed run prints one {@code error:} line and exits with 1. {@code --version}
 * prints the version the build wrote into the jar.
 */
@Command(
    name = "lb4j-mandelbrot",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Renders the Mandelbrot set on workers balanced by lb4j.",
    subcommands = {
      ServeCommand.class,
      WorkerCommand.class,
      RenderCommand.class,
      ReportCommand.class,
      ProxyCommand.class
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
    for (CommandLine sub : cl.getSubcommands().values()) {
      sub.getCommandSpec().versionProvider(new Version());
    }
    cl.setParameterExceptionHandler((e, unused) -> usageError(e.getCommandLine(), e.getMessage()));
    cl.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          if (e instanceof InvalidParameterException) {
            return usageError(commandLine, e.getMessage());
          }
          String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
          commandLine.getErr().println("error: " + message);
          return 1;
        });
    return cl.execute(args);
  }

  /** Prints the problem and where the full usage is, not the usage itself; returns 2. */
  private static int usageError(CommandLine commandLine, String message) {
    PrintWriter err = commandLine.getErr();
    err.println(message);
    err.println(
        "Try '" + commandLine.getCommandSpec().qualifiedName() + " --help' for the full usage.");
    err.flush();
    return 2;
  }

  /** The version from {@code version.properties}, which the build fills in. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"lb4j-mandelbrot " + version()};
    }

    static String version() {
      Properties p = new Properties();
      try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
        if (in == null) {
          return "unknown";
        }
        p.load(in);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return p.getProperty("version", "unknown");
    }
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
  }
}
