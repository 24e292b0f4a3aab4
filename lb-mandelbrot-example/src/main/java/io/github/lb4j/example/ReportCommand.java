package io.github.lb4j.example;

import io.github.lb4j.Ticker;
import io.github.lb4j.scatter.Progress;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code report}: runs the balance-quality experiments against local workers over HTTP
 * and writes {@code index.html}, PNG charts and a CSV of every number into a directory.
 */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description =
        "Measures how evenly each picker spreads requests over local workers and writes "
            + "an HTML report with charts and a CSV.")
final class ReportCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "DIR",
      description = "The directory to write index.html, the charts and report.csv into.")
  Path out;

  @Option(
      names = "--requests",
      defaultValue = "10000",
      description = "Requests per run (default: ${DEFAULT-VALUE}).")
  int requests;

  @Option(
      names = "--min-workers",
      defaultValue = "2",
      description = "The fewest workers of A-2 (default: ${DEFAULT-VALUE}).")
  int minWorkers;

  @Option(
      names = "--max-workers",
      defaultValue = "6",
      description = "The most workers of A-2 (default: ${DEFAULT-VALUE}).")
  int maxWorkers;

  @Option(
      names = "--workers",
      defaultValue = "3",
      description =
          "Workers of A-1, A-3 and the key-movement measure; within the A-2 range "
              + "(default: ${DEFAULT-VALUE}).")
  int workers;

  @Option(
      names = "--concurrency",
      defaultValue = "32",
      description = "Requests in flight at once (default: ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(
      names = "--keys",
      defaultValue = "100000",
      description = "Keys compared when a worker is added and removed (default: ${DEFAULT-VALUE}).")
  int keys;

  @Option(
      names = "--seed",
      defaultValue = "42",
      description = "Seed of the request ids and random pickers (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--classic-hash",
      paramLabel = "SPEC",
      description =
          "H and Phi of the classic ring for A-4, besides the seed's (repeatable): spread, murmur,"
              + " seed or H=POLY,Phi=POLY with polynomials in i and j such as"
              + " H=i+2i^2+17,Phi=i+j+2j^2+25 (default: spread and murmur).")
  List<String> classicHashes;

  @Option(
      names = "--processes",
      description =
          "Run the workers of A-1 and A-2 as child processes too (A-3's always are: it kills one).")
  boolean processes;

  @Mixin ProgressBar.Options progress = new ProgressBar.Options();

  @Override
  public Integer call() throws Exception {
    // Before any work: a bad setting must not leave a half-written directory behind.
    BalanceReport.Settings settings =
        new BalanceReport.Settings(
            requests, minWorkers, maxWorkers, workers, concurrency, keys, seed);
    if (Files.exists(out) && !Files.isDirectory(out)) {
      throw new InvalidParameterException(
          "out", "out: '" + out + "' (expected: a directory, or a path to create one at)");
    }
    System.setProperty("java.awt.headless", "true"); // charts are drawn off screen
    PrintWriter err = spec.commandLine().getErr();
    PrintWriter stdout = spec.commandLine().getOut();
    List<SlotFunctions> pairs =
        classicHashes == null
            ? BalanceReport.DEFAULT_PAIRS
            : classicHashes.stream().map(c -> SlotFunctions.parse("classic-hash", c)).toList();
    BalanceReport report = new BalanceReport(settings, pairs, Ticker.system(), processes);
    int total = Math.toIntExact(report.totalRequests());
    ProgressBar bar = new ProgressBar(err, progress.mode(), "requests");
    AtomicLong done = new AtomicLong();
    long step = Math.max(1, total / 200);
    BalanceReport.Results results;
    boolean failed = true;
    try {
      results =
          report.run(
              () -> {
                long d = done.incrementAndGet();
                if (d % step == 0 || d == total) {
                  bar.accept(new Progress((int) d, 0, total, 0, 0, Map.of()));
                }
              });
      failed = false;
    } finally {
      bar.finish(failed);
    }
    new ReportWriter(results, out).write();
    BalanceReport.Failover f = results.failover();
    stdout.printf(
        Locale.ROOT,
        "wrote %s in %.1f s; A-3: %d lost, %d retried%n",
        out.resolve(ReportWriter.HTML),
        results.elapsed().toMillis() / 1000.0,
        f.run().lost(),
        f.run().retried());
    stdout.flush();
    return 0;
  }
}
