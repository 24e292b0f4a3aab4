package io.github.lb4j.example;

import io.github.lb4j.BalanceQuality;
import io.github.lb4j.EndpointState;
import io.github.lb4j.core.ConsistentHashBuilder;
import io.github.lb4j.example.BalanceReport.Failover;
import io.github.lb4j.example.BalanceReport.Moved;
import io.github.lb4j.example.BalanceReport.PickerSpec;
import io.github.lb4j.example.BalanceReport.Remap;
import io.github.lb4j.example.BalanceReport.Results;
import io.github.lb4j.example.BalanceReport.Settings;
import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.ChartEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Writes a finished {@link BalanceReport}: {@code index.html}, one PNG per chart and {@code
 * report.csv} with every number, all into one directory.
 *
 * <p>Threading: not for concurrent use.
 */
final class ReportWriter {
  static final String CSV = "report.csv";
  static final String HTML = "index.html";

  private static final int WIDTH = 900;
  private static final int HEIGHT = 480;
  private static final Color[] COLORS = {
    new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
    new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
    new Color(0xbcbd22), new Color(0x17becf), new Color(0x393b79), new Color(0xad494a)
  };

  private final Results results;
  private final Settings settings;
  private final Path dir;
  private final List<String> files = new ArrayList<>();

  ReportWriter(Results results, Path dir) {
    this.results = results;
    this.settings = results.settings();
    this.dir = dir;
  }

  /** Writes everything and returns the files written, relative to the directory. */
  List<String> write() throws IOException {
    Files.createDirectories(dir);
    writeCsv();
    requestsPerWorker(
        "a1-requests-per-worker.png",
        "A-1: requests per worker, "
            + settings.a1Workers()
            + " workers, "
            + settings.requests()
            + " requests",
        BalanceReport.PICKERS);
    maxLoad("a2-max-load.png", BalanceReport.PICKERS);
    // Without the classic hash, whose ratio (about the number of workers) would flatten the rest.
    maxOverMean(
        "a2-max-over-mean.png",
        "A-2: busiest worker / mean, by picker (classic seed hash: see A-4)",
        BalanceReport.PICKERS.stream().filter(p -> !p.id().equals("classic-hash")).toList());
    requestsPerWorker(
        "a4-requests-per-worker.png",
        "A-4: requests per worker by hash function, " + settings.a1Workers() + " workers",
        results.hashes());
    maxOverMean(
        "a4-max-over-mean.png", "A-4: busiest worker / mean, by hash function", results.hashes());
    keysMoved("a4-keys-moved.png");
    failoverChart("a3-requests-per-worker.png");
    timelineChart("a3-timeline.png");
    writeHtml();
    return List.copyOf(files);
  }

  // ---------------------------------------------------------------------------------- CSV

  private void writeCsv() throws IOException {
    StringBuilder csv = new StringBuilder("experiment,picker,workers,worker,measure,value\n");
    for (PickerSpec p : results.loadPickers()) {
      for (Map.Entry<Integer, LoadRun.Result> e : results.runs().get(p.id()).entrySet()) {
        runRows(csv, "load", p.id(), e.getKey(), e.getValue(), true);
      }
    }
    for (Remap r : results.remaps()) {
      movedRows(csv, r, "added", r.added());
      movedRows(csv, r, "removed", r.removed());
    }
    Failover f = results.failover();
    runRows(csv, "A-3", f.picker().id(), settings.a1Workers(), f.run(), false);
    row(
        csv,
        "A-3",
        f.picker().id(),
        settings.a1Workers(),
        f.killedId(),
        "killed_at_request",
        f.killedAt());
    f.detection()
        .ifPresent(
            d -> {
              row(
                  csv,
                  "A-3",
                  f.picker().id(),
                  settings.a1Workers(),
                  f.killedId(),
                  "detected_after_ms",
                  d.afterNanos() / 1e6);
            });
    f.replacement()
        .ifPresent(
            rep -> {
              row(
                  csv,
                  "A-3",
                  f.picker().id(),
                  settings.a1Workers(),
                  rep.id(),
                  "member_after_ms",
                  rep.memberAfterNanos() / 1e6);
              rep.firstAnswerAfterNanos()
                  .ifPresent(
                      t ->
                          row(
                              csv,
                              "A-3",
                              f.picker().id(),
                              settings.a1Workers(),
                              rep.id(),
                              "first_answer_after_ms",
                              t / 1e6));
            });
    Files.writeString(dir.resolve(CSV), csv, StandardCharsets.UTF_8);
    files.add(CSV);
  }

  /** One run's rows; {@code balance}: also the load spread, for runs on a fixed set of workers. */
  private static void runRows(
      StringBuilder csv, String exp, String picker, int n, LoadRun.Result r, boolean balance) {
    for (Map.Entry<String, Long> w : r.served().entrySet()) {
      row(csv, exp, picker, n, w.getKey(), "served", w.getValue());
      row(csv, exp, picker, n, w.getKey(), "answered", r.answered().getOrDefault(w.getKey(), 0L));
      EndpointState s = r.snapshot().endpoint(w.getKey()).orElse(null);
      if (s != null) {
        row(csv, exp, picker, n, w.getKey(), "balancer_picks", s.picks());
        row(csv, exp, picker, n, w.getKey(), "live_recent_share", s.recentShare());
        row(csv, exp, picker, n, w.getKey(), "live_latency_ewma_ms", s.latencyEwmaNanos() / 1e6);
      }
    }
    BalanceQuality q = r.snapshot().balance();
    row(csv, exp, picker, n, "", "requests", r.requests());
    row(csv, exp, picker, n, "", "retried", r.retried());
    row(csv, exp, picker, n, "", "lost", r.lost());
    row(csv, exp, picker, n, "", "misrouted", r.misrouted());
    if (!balance) {
      return;
    }
    row(csv, exp, picker, n, "", "mean_load", (double) r.requests() / n);
    row(csv, exp, picker, n, "", "max_load", max(r.served()));
    row(csv, exp, picker, n, "", "served_max_over_mean", r.servedMaxOverMean());
    row(csv, exp, picker, n, "", "live_recent_picks", q.recentPicks());
    row(csv, exp, picker, n, "", "live_picks_max_over_mean", q.picksMaxOverMean());
  }

  private static void movedRows(StringBuilder csv, Remap r, String change, Moved m) {
    String exp = "A-4-keys-moved";
    row(csv, exp, r.hash().id(), r.workers(), change, "moved_share", m.moved());
    row(csv, exp, r.hash().id(), r.workers(), change, "needless_share", m.needless());
    row(csv, exp, r.hash().id(), r.workers(), change, "ideal_share", m.ideal());
    if (m.live().isPresent()) {
      row(
          csv,
          exp,
          r.hash().id(),
          r.workers(),
          change,
          "live_remapped_share",
          m.live().getAsDouble());
    }
  }

  private static void row(
      StringBuilder csv,
      String exp,
      String picker,
      int n,
      String worker,
      String measure,
      Number value) {
    String v = value instanceof Double d ? String.format(Locale.ROOT, "%.6f", d) : value.toString();
    csv.append(exp)
        .append(',')
        .append(picker)
        .append(',')
        .append(n)
        .append(',')
        .append(worker)
        .append(',')
        .append(measure)
        .append(',')
        .append(v)
        .append('\n');
  }

  private static long max(Map<String, Long> counts) {
    return counts.values().stream().mapToLong(Long::longValue).max().orElse(0);
  }

  // ------------------------------------------------------------------------------- charts

  private void requestsPerWorker(String file, String title, List<PickerSpec> pickers)
      throws IOException {
    CategoryChart chart =
        new CategoryChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(title)
            .xAxisTitle("picker")
            .yAxisTitle("requests counted by the worker")
            .build();
    style(chart.getStyler());
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    chart.getStyler().setAvailableSpaceFill(0.8);
    List<String> labels = pickers.stream().map(PickerSpec::label).toList();
    List<String> workers =
        new ArrayList<>(
            results.runs().get(pickers.get(0).id()).get(settings.a1Workers()).served().keySet());
    for (String w : workers) {
      List<Number> counts = new ArrayList<>();
      for (PickerSpec p : pickers) {
        counts.add(results.runs().get(p.id()).get(settings.a1Workers()).served().get(w));
      }
      chart.addSeries(w, labels, counts);
    }
    if (pickers.size() > 4) {
      chart.getStyler().setXAxisLabelRotation(20);
    }
    save(chart, file);
  }

  private void maxLoad(String file, List<PickerSpec> pickers) throws IOException {
    XYChart chart =
        lineChart(
            "A-2: mean and busiest worker's load, " + settings.requests() + " requests per run",
            "requests on the busiest worker (dashed: the mean)");
    List<Integer> ns = workerCounts();
    List<Number> mean = new ArrayList<>();
    for (int n : ns) {
      mean.add((double) settings.requests() / n);
    }
    XYSeries meanLine = chart.addSeries("mean load (requests / workers)", ns, mean);
    meanLine.setLineStyle(
        new java.awt.BasicStroke(
            2.5f,
            java.awt.BasicStroke.CAP_BUTT,
            java.awt.BasicStroke.JOIN_MITER,
            10f,
            new float[] {8f, 6f},
            0f));
    meanLine.setLineColor(Color.BLACK);
    meanLine.setMarker(SeriesMarkers.NONE);
    for (PickerSpec p : pickers) {
      List<Number> max = new ArrayList<>();
      for (int n : ns) {
        max.add(max(results.runs().get(p.id()).get(n).served()));
      }
      paint(chart.addSeries(p.label(), ns, max), p);
    }
    save(chart, file);
  }

  private void maxOverMean(String file, String title, List<PickerSpec> pickers) throws IOException {
    XYChart chart = lineChart(title, "busiest worker's requests / mean (1 = perfectly even)");
    if (pickers.stream().noneMatch(p -> p.id().equals("classic-hash"))) {
      chart.getStyler().setYAxisMin(1.0); // the ratio is never below 1: zoom in on the spread
    }
    List<Integer> ns = workerCounts();
    for (PickerSpec p : pickers) {
      List<Number> ratio = new ArrayList<>();
      for (int n : ns) {
        ratio.add(results.runs().get(p.id()).get(n).servedMaxOverMean());
      }
      paint(chart.addSeries(p.label(), ns, ratio), p);
    }
    save(chart, file);
  }

  private void keysMoved(String file) throws IOException {
    CategoryChart chart =
        new CategoryChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title("A-4: share of " + settings.remapKeys() + " keys that changed worker")
            .xAxisTitle("hash function")
            .yAxisTitle("share of keys moved")
            .build();
    style(chart.getStyler());
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    chart.getStyler().setYAxisDecimalPattern("0%");
    List<String> labels = results.remaps().stream().map(r -> r.hash().label()).toList();
    chart
        .getStyler()
        .setSeriesColors(
            new Color[] {
              COLORS[0],
              new Color(0x9ecae1),
              Color.GRAY,
              COLORS[1],
              new Color(0xfdd0a2),
              Color.DARK_GRAY
            });
    int n = settings.a1Workers();
    chart.addSeries(
        "added " + n + "->" + (n + 1) + ": measured",
        labels,
        results.remaps().stream().map(r -> (Number) r.added().moved()).toList());
    chart.addSeries(
        "added: live (balancer)",
        labels,
        results.remaps().stream().map(r -> (Number) r.added().live().orElse(0)).toList());
    chart.addSeries(
        "added: ideal",
        labels,
        results.remaps().stream().map(r -> (Number) r.added().ideal()).toList());
    chart.addSeries(
        "removed " + (n + 1) + "->" + n + ": measured",
        labels,
        results.remaps().stream().map(r -> (Number) r.removed().moved()).toList());
    chart.addSeries(
        "removed: live (balancer)",
        labels,
        results.remaps().stream().map(r -> (Number) r.removed().live().orElse(0)).toList());
    chart.addSeries(
        "removed: ideal",
        labels,
        results.remaps().stream().map(r -> (Number) r.removed().ideal()).toList());
    save(chart, file);
  }

  private void failoverChart(String file) throws IOException {
    Failover f = results.failover();
    CategoryChart chart =
        new CategoryChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(
                "A-3: requests per worker, " + f.killedId() + " killed at request " + f.killedAt())
            .xAxisTitle("worker")
            .yAxisTitle("requests")
            .build();
    style(chart.getStyler());
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    List<String> workers = new ArrayList<>(f.run().served().keySet());
    chart.addSeries(
        "counted by the worker",
        workers,
        workers.stream().map(w -> (Number) f.run().served().get(w)).toList());
    chart.addSeries(
        "answers received (X-Worker-Id)",
        workers,
        workers.stream().map(w -> (Number) f.run().answered().getOrDefault(w, 0L)).toList());
    save(chart, file);
  }

  /** Answers per worker over time around the kill, with the detection and the replacement. */
  private void timelineChart(String file) throws IOException {
    Failover f = results.failover();
    List<LoadRun.Answer> answers = f.run().answers();
    long first = answers.stream().mapToLong(LoadRun.Answer::nanos).min().orElse(f.killNanos());
    long last = answers.stream().mapToLong(LoadRun.Answer::nanos).max().orElse(f.killNanos());
    // About 50 buckets over the run, at least a millisecond each.
    long bucket = Math.max(1_000_000L, (last - first) / 50);
    int buckets = (int) ((last - first) / bucket) + 1;
    Map<String, long[]> counts = new LinkedHashMap<>();
    for (String w : f.run().served().keySet()) {
      counts.put(w, new long[buckets]);
    }
    for (LoadRun.Answer a : answers) {
      counts
          .computeIfAbsent(a.workerId(), k -> new long[buckets])[
          (int) ((a.nanos() - first) / bucket)]++;
    }
    XYChart chart =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(
                "A-3: answers per worker over time ("
                    + String.format(Locale.ROOT, "%.1f", bucket / 1e6)
                    + " ms buckets); 0 = the kill")
            .xAxisTitle("ms since the kill")
            .yAxisTitle("answers per bucket")
            .build();
    style(chart.getStyler());
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    chart.getStyler().setMarkerSize(0);
    chart.getStyler().setXAxisDecimalPattern("0");
    List<Double> xs = new ArrayList<>();
    for (int b = 0; b < buckets; b++) {
      xs.add((first + b * bucket + bucket / 2.0 - f.killNanos()) / 1e6);
    }
    for (Map.Entry<String, long[]> e : counts.entrySet()) {
      List<Number> ys = new ArrayList<>();
      for (long c : e.getValue()) {
        ys.add(c);
      }
      chart.addSeries(e.getKey(), xs, ys);
    }
    double top = counts.values().stream().flatMapToLong(Arrays::stream).max().orElse(1);
    // Labels sit right of their line, a few percent of the time axis away.
    double shift = (last - first) / 1e6 * 0.045;
    marker(chart, 0, "kill", shift, top);
    f.detection()
        .ifPresent(d -> marker(chart, d.afterNanos() / 1e6, "detected", shift * 1.6, top * 0.92));
    f.replacement()
        .ifPresent(
            r -> marker(chart, r.memberAfterNanos() / 1e6, "replaced", shift * 1.6, top * 0.84));
    save(chart, file);
  }

  private static void marker(XYChart chart, double x, String label, double shift, double y) {
    chart.addAnnotation(new AnnotationLine(x, true, false));
    chart.addAnnotation(new AnnotationText(label, x + shift, y, false));
  }

  private void paint(XYSeries series, PickerSpec p) {
    series.setLineColor(color(p));
    series.setMarkerColor(color(p));
  }

  /** One color per picker in every line chart, so a picker is recognized from chart to chart. */
  private Color color(PickerSpec p) {
    List<PickerSpec> all = results.loadPickers();
    for (int i = 0; i < all.size(); i++) {
      if (all.get(i).id().equals(p.id())) {
        return COLORS[i % COLORS.length];
      }
    }
    throw new IllegalArgumentException("picker: '" + p.id() + "' (expected: a load picker)");
  }

  private XYChart lineChart(String title, String yTitle) {
    XYChart chart =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(title)
            .xAxisTitle("workers")
            .yAxisTitle(yTitle)
            .build();
    style(chart.getStyler());
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    chart.getStyler().setXAxisDecimalPattern("0");
    chart.getStyler().setXAxisMin((double) settings.minWorkers());
    chart.getStyler().setXAxisMax((double) settings.maxWorkers());
    chart.getStyler().setYAxisMin(0.0);
    return chart;
  }

  private static void style(AxesChartStyler styler) {
    styler.setChartBackgroundColor(Color.WHITE);
    styler.setPlotBackgroundColor(Color.WHITE);
    styler.setPlotGridLinesColor(new Color(0xdddddd));
    styler.setLegendBorderColor(new Color(0xcccccc));
    styler.setSeriesColors(COLORS);
    styler.setAntiAlias(true);
  }

  private List<Integer> workerCounts() {
    List<Integer> ns = new ArrayList<>();
    for (int n = settings.minWorkers(); n <= settings.maxWorkers(); n++) {
      ns.add(n);
    }
    return ns;
  }

  private void save(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart, String file)
      throws IOException {
    try (OutputStream out = Files.newOutputStream(dir.resolve(file))) {
      ChartEncoder.saveChart(chart, out, "png");
    }
    files.add(file);
  }

  // --------------------------------------------------------------------------------- HTML

  private void writeHtml() throws IOException {
    StringBuilder h = new StringBuilder();
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
        .append("<title>lb4j balance-quality report</title>\n<style>\n")
        .append("body{font-family:sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;")
        .append("line-height:1.45;color:#222}\n")
        .append("table{border-collapse:collapse;margin:1em 0;font-size:.9em}\n")
        .append("th,td{border:1px solid #ccc;padding:.25em .6em;text-align:right}\n")
        .append("th:first-child,td:first-child{text-align:left}\n")
        .append("img{max-width:100%;border:1px solid #eee}\ncode{background:#f4f4f4}\n")
        .append("</style></head><body>\n");
    h.append("<h1>lb4j balance-quality report</h1>\n");
    h.append("<p>Generated by <code>lb4j-mandelbrot report</code> in ")
        .append(String.format(Locale.ROOT, "%.1f", results.elapsed().toMillis() / 1000.0))
        .append(" s with ")
        .append(settings.requests())
        .append(" requests per run, ")
        .append(settings.concurrency())
        .append(" in flight at once, seed ")
        .append(settings.seed())
        .append(". Every number is in <a href=\"")
        .append(CSV)
        .append("\">")
        .append(CSV)
        .append("</a>.</p>\n");
    h.append("<p>Run it again with <code>java -jar lb4j-mandelbrot.jar report --out DIR</code> ")
        .append("(<code>--help</code> lists the settings). Round-robin, random and the hashing ")
        .append("pickers without a load bound give the same counts every time; least-connection, ")
        .append("peak-EWMA, bounded loads and the A-3 times follow how fast each worker answered, ")
        .append("so they change from run to run.</p>\n");
    h.append("<p><b>What a request is.</b> An asynchronous HTTP <code>GET /tile</code> for a ")
        .append("one-pixel tile with 32 iterations, sent with OkHttp to a real worker server on ")
        .append("127.0.0.1 (an ephemeral port, 2 threads each). The answer costs microseconds to ")
        .append("compute, so the runs measure where the balancer sends calls, not how fast ")
        .append("workers compute. Each request carries a six-digit request id drawn from a seeded ")
        .append("generator, the same ids for every picker, as its affinity key; pickers without ")
        .append("affinity ignore it. Each worker counts the tiles it served itself; those counts ")
        .append("are the loads below. The balancer's own live numbers (its snapshot's picks, ")
        .append("recent share and max/mean) are shown next to them. Every run acquires a lease ")
        .append("per attempt and reports the outcome, so least-connection, peak-EWMA and bounded ")
        .append("loads see the calls in flight. One uncounted run of the same requests warms the ")
        .append("JVM up first.</p>\n");
    summary(h);

    h.append("<h2>A-1: ")
        .append(settings.requests())
        .append(" requests on ")
        .append(settings.a1Workers())
        .append(" workers</h2>\n");
    h.append("<p>These are the ")
        .append(settings.a1Workers())
        .append("-worker runs of A-2. How to read them: round-robin is exact by construction ")
        .append("and random is within a few percent. Least-connection and peak-EWMA equalize ")
        .append("the calls in flight and the latency, not the request counts, so a worker that ")
        .append("happens to answer faster (all workers and the client share one machine) gets ")
        .append("more requests. Consistent hashing follows the keys: the spread is the ring's, ")
        .append("a few percent; with bounded loads a key whose home worker holds more than 1.25 ")
        .append("times the mean of the calls in flight goes on to the next worker on the ring, so ")
        .append("the spread also follows which worker was slow at the moment. The classic seed ")
        .append("hash sends almost everything to one worker (see A-4). Reported load weighs ")
        .append("each worker by the requests per second over the busy share it reports with ")
        .append("every answer (<code>endpoint-load-metrics</code>), once it has reported for ")
        .append("half a second, and is least-connection until then.</p>\n");
    img(h, "a1-requests-per-worker.png");
    liveTable(h, BalanceReport.PICKERS, settings.a1Workers());

    h.append("<h2>A-2: ")
        .append(settings.minWorkers())
        .append(" to ")
        .append(settings.maxWorkers())
        .append(" workers, ")
        .append(settings.requests())
        .append(" requests each</h2>\n");
    img(h, "a2-max-load.png");
    img(h, "a2-max-over-mean.png");
    ratioTable(h, BalanceReport.PICKERS);

    failoverHtml(h);

    h.append("<h2>A-4: hash functions</h2>\n");
    h.append("<p>The classic configuration places server <i>i</i>'s 9 replicas at ")
        .append("\u03a6(i, j) = i + j + 2j\u00b2 + 25 and request <i>i</i> at ")
        .append("H(i) = i + 2i\u00b2 + 17 on a ring of 512 slots. The same ring (512 slots, 9 ")
        .append("replicas, servers numbered by position, quadratic probing) then runs with other ")
        .append("functions (<code>report --classic-hash SPEC</code>):</p>\n<ul>\n");
    for (SlotFunctions f : results.pairs()) {
      h.append("<li><b>")
          .append(escape(f.name()))
          .append("</b>: ")
          .append(escape(f.description()))
          .append("</li>\n");
    }
    h.append("</ul>\n<p>Last come lb4j's ring (")
        .append(ConsistentHashBuilder.DEFAULT_VIRTUAL_NODES)
        .append(" virtual nodes per worker, ")
        .append(ConsistentHashBuilder.DEFAULT_PROBES)
        .append(" probes per key) with three key hashes: the default (Murmur3 mixing), FNV-1a, ")
        .append("and the unmixed <code>String.hashCode</code>. The same request ids as A-1 and ")
        .append("A-2.</p>\n");
    h.append("<p><b>What the classic functions do wrong.</b> \u03a6 depends on the server only ")
        .append(
            "through <code>+ i</code>, so the replicas of servers 1, 2, 3, ... sit on adjacent ")
        .append(
            "slots: nine tight clusters inside one band of the ring (slots 26 to about 167). A ")
        .append("request goes to the first server slot clockwise, and every gap in front of a ")
        .append("cluster, including the 370-slot arc from the end of the band around to slot 26, ")
        .append("ends at server 1's replica, which leads each cluster. Server 1 therefore takes ")
        .append("nearly every request, and adding servers only adds slots right behind it: its ")
        .append("load stays near the total and the busiest/mean ratio grows like the number of ")
        .append("servers. H itself is not the problem: H(a) \u2212 H(b) = (a \u2212 b)(1 + 2a + ")
        .append("2b) and the second factor is odd, so two ids share a slot only when they are ")
        .append("equal modulo 512; H spreads six-digit ids evenly over the slots.</p>\n");
    h.append("<p><b>What fixes it.</b> The <i>spread</i> pair keeps H and changes \u03a6 in two ")
        .append(
            "ways: <code>57j</code> puts one replica of each server in every ninth of the ring ")
        .append("(512 / 9 \u2248 57) instead of all in one band, and <code>407i</code> moves each ")
        .append("server 407 slots (105 back) from the one before, so that servers interleave ")
        .append("instead of standing side by side; the <code>2j\u00b2</code> kept from the seed ")
        .append("gives every ninth a different order of servers, so one server's short gaps in ")
        .append("one ninth are made up in another. The coefficients were chosen by measuring the ")
        .append("busiest/mean slot share over 2 to 12 servers (every slot receives the same share ")
        .append("of ids, since H is a bijection). The <i>murmur</i> pair places requests and ")
        .append("replicas pseudo-randomly: no structure to cluster, but with only 9 replicas per ")
        .append("server the arcs vary by chance, which is why lb4j's ring uses ")
        .append(ConsistentHashBuilder.DEFAULT_VIRTUAL_NODES)
        .append(" virtual nodes and probes each key several times. No choice of H and \u03a6 ")
        .append("repairs the numbering by position: removing a server renumbers the ones after ")
        .append("it, their replicas move, and keys move between servers that stayed (the ")
        .append("<i>needless</i> column below). A ring placed by the endpoint's id moves only the ")
        .append("keys it must.</p>\n");
    h.append("<div style=\"display:flex;gap:8px;flex-wrap:wrap\">");
    h.append("<img style=\"width:49%\" src=\"a4-requests-per-worker.png\" ")
        .append("alt=\"a4-requests-per-worker\">");
    h.append("<img style=\"width:49%\" src=\"a4-max-over-mean.png\" alt=\"a4-max-over-mean\">");
    h.append("</div>\n");
    liveTable(h, results.hashes(), settings.a1Workers());
    ratioTable(h, results.hashes());
    h.append("<h3>Keys moved when a worker is added and removed</h3>\n");
    h.append("<p>")
        .append(settings.remapKeys())
        .append(" distinct request ids, each mapped with ")
        .append("<code>choose(key)</code> on ")
        .append(settings.a1Workers())
        .append(" workers, again after a worker is added, and again after the second worker is ")
        .append("removed. <i>Needless</i> moves are keys that moved between two workers that ")
        .append("both stayed. <i>Live</i> is the balancer's own ")
        .append("<code>BalanceQuality.remappedShare</code> for the same change, measured on its ")
        .append("fixed sample of 2,048 keys.</p>\n");
    img(h, "a4-keys-moved.png");
    remapTable(h);
    h.append("</body></html>\n");
    Files.writeString(dir.resolve(HTML), h, StandardCharsets.UTF_8);
    files.add(HTML);
  }

  /**
   * The picker with the lowest busiest/mean ratio averaged over the worker counts, and the rest.
   */
  private void summary(StringBuilder h) {
    h.append("<h2>Summary</h2>\n<table><tr><th>picker</th>")
        .append("<th>busiest / mean, averaged over ")
        .append(settings.minWorkers())
        .append(" to ")
        .append(settings.maxWorkers())
        .append(" workers</th><th>worst</th></tr>\n");
    List<PickerSpec> sorted = new ArrayList<>(results.loadPickers());
    sorted.sort(Comparator.comparingDouble(this::meanRatio));
    for (PickerSpec p : sorted) {
      double worst =
          results.runs().get(p.id()).values().stream()
              .mapToDouble(LoadRun.Result::servedMaxOverMean)
              .max()
              .orElse(0);
      h.append("<tr><td>")
          .append(escape(p.label()))
          .append("</td><td>")
          .append(String.format(Locale.ROOT, "%.3f", meanRatio(p)))
          .append("</td><td>")
          .append(String.format(Locale.ROOT, "%.3f", worst))
          .append("</td></tr>\n");
    }
    h.append("</table>\n");
  }

  private double meanRatio(PickerSpec p) {
    return results.runs().get(p.id()).values().stream()
        .mapToDouble(LoadRun.Result::servedMaxOverMean)
        .average()
        .orElse(0);
  }

  private void failoverHtml(StringBuilder h) {
    Failover f = results.failover();
    LoadRun.Result r = f.run();
    h.append("<h2>A-3: a worker killed in the middle of a run</h2>\n");
    h.append("<p>")
        .append(r.requests())
        .append(" requests on ")
        .append(settings.a1Workers())
        .append(" workers with ")
        .append(f.picker().label())
        .append("; ")
        .append(f.killedId())
        .append(" is killed with <code>SIGKILL</code> (every worker is a process of its own; ")
        .append("this one was process ")
        .append(f.killedPid())
        .append(") just before request ")
        .append(f.killedAt())
        .append(" is sent. The balancer watches ")
        .append("with passive outlier detection (3 consecutive failed calls eject) and an active ")
        .append("<code>GET /health</code> probe every 250 ms (1 s timeout, 2 failures mark ")
        .append("unhealthy). A failed attempt is reported on its lease and retried with a new ")
        .append("pick after a backoff of ")
        .append(LoadRun.FIRST_BACKOFF_MILLIS)
        .append(" ms, doubling each time, up to ")
        .append(BalanceReport.MAX_ATTEMPTS)
        .append(" attempts. The example's supervisor ")
        .append("follows the balancer's health events: when the balancer takes a worker out, it ")
        .append("puts a fresh worker process on a new port in its place (the spare it keeps ")
        .append("started ahead, since a JVM takes seconds to start; it then starts the next ")
        .append("spare) and removes the dead one. Times are measured from the kill with the ")
        .append("system clock.</p>\n");
    h.append("<table><tr><th>measure</th><th>value</th></tr>\n");
    tr(h, "requests sent", r.requests());
    tr(h, "requests lost (failed every attempt)", r.lost());
    tr(h, "attempts retried", r.retried());
    tr(h, "answers from another worker than chosen", r.misrouted());
    h.append("<tr><td>time from the kill to the health change</td><td>")
        .append(f.detection().map(d -> millis(d.afterNanos())).orElse("not detected"))
        .append("</td></tr>\n");
    h.append("<tr><td>how it was detected</td><td>")
        .append(f.detection().map(d -> escape(d.to() + ": " + d.reason())).orElse("-"))
        .append("</td></tr>\n");
    h.append("<tr><td>replacement worker</td><td>")
        .append(
            f.replacement().map(rep -> rep.id() + " (process " + rep.pid() + ")").orElse("none"))
        .append("</td></tr>\n");
    h.append("<tr><td>time from the kill until the new process listened and was a member</td><td>")
        .append(f.replacement().map(rep -> millis(rep.memberAfterNanos())).orElse("-"))
        .append("</td></tr>\n");
    h.append("<tr><td>time from the kill until the replacement's first answer</td><td>")
        .append(
            f.replacement()
                .map(BalanceReport.Replaced::firstAnswerAfterNanos)
                .filter(OptionalLong::isPresent)
                .map(t -> millis(t.getAsLong()))
                .orElse("-"))
        .append("</td></tr>\n");
    h.append("</table>\n");
    img(h, "a3-timeline.png");
    img(h, "a3-requests-per-worker.png");
    h.append("<p>A process killed with <code>SIGKILL</code> cannot be asked for its count ")
        .append("afterwards: its row counts the answers received from it. A request it was ")
        .append("computing when it died got no answer and was retried on another worker.</p>\n");
  }

  private void liveTable(StringBuilder h, List<PickerSpec> pickers, int n) {
    h.append("<table><tr><th>picker</th><th>worker</th><th>counted by the worker</th>")
        .append("<th>answers (X-Worker-Id)</th><th>balancer picks</th>")
        .append("<th>live recent share</th></tr>\n");
    for (PickerSpec p : pickers) {
      LoadRun.Result r = results.runs().get(p.id()).get(n);
      boolean first = true;
      for (Map.Entry<String, Long> w : r.served().entrySet()) {
        EndpointState s = r.snapshot().endpoint(w.getKey()).orElseThrow();
        h.append("<tr><td>")
            .append(first ? escape(p.label()) : "")
            .append("</td><td>")
            .append(w.getKey())
            .append("</td><td>")
            .append(w.getValue())
            .append("</td><td>")
            .append(r.answered().getOrDefault(w.getKey(), 0L))
            .append("</td><td>")
            .append(s.picks())
            .append("</td><td>")
            .append(String.format(Locale.ROOT, "%.1f%%", s.recentShare() * 100))
            .append("</td></tr>\n");
        first = false;
      }
    }
    h.append("</table>\n");
  }

  private void ratioTable(StringBuilder h, List<PickerSpec> pickers) {
    h.append("<table><tr><th>busiest / mean: counted by the workers (live, from the ")
        .append("balancer's snapshot)</th>");
    for (int n : workerCounts()) {
      h.append("<th>").append(n).append(" workers</th>");
    }
    h.append("</tr>\n");
    for (PickerSpec p : pickers) {
      h.append("<tr><td>").append(escape(p.label())).append("</td>");
      for (int n : workerCounts()) {
        LoadRun.Result r = results.runs().get(p.id()).get(n);
        h.append("<td>")
            .append(
                String.format(
                    Locale.ROOT,
                    "%.3f (%.3f)",
                    r.servedMaxOverMean(),
                    r.snapshot().balance().picksMaxOverMean()))
            .append("</td>");
      }
      h.append("</tr>\n");
    }
    h.append("</table>\n");
  }

  private void remapTable(StringBuilder h) {
    h.append("<table><tr><th>hash</th><th>added: moved</th><th>needless</th><th>live</th>")
        .append("<th>ideal</th><th>removed: moved</th><th>needless</th><th>live</th>")
        .append("<th>ideal</th></tr>\n");
    for (Remap r : results.remaps()) {
      h.append("<tr><td>").append(escape(r.hash().label())).append("</td>");
      for (Moved m : List.of(r.added(), r.removed())) {
        h.append("<td>")
            .append(percent(m.moved()))
            .append("</td><td>")
            .append(percent(m.needless()))
            .append("</td><td>")
            .append(percent(m.live()))
            .append("</td><td>")
            .append(percent(m.ideal()))
            .append("</td>");
      }
      h.append("</tr>\n");
    }
    h.append("</table>\n");
  }

  private static String millis(long nanos) {
    return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
  }

  private static String percent(double share) {
    return String.format(Locale.ROOT, "%.1f%%", share * 100);
  }

  private static String percent(OptionalDouble share) {
    return share.isPresent() ? percent(share.getAsDouble()) : "-";
  }

  private static void tr(StringBuilder h, String name, long value) {
    h.append("<tr><td>").append(name).append("</td><td>").append(value).append("</td></tr>\n");
  }

  private static void img(StringBuilder h, String file) {
    h.append("<p><img src=\"").append(file).append("\" alt=\"").append(file).append("\"></p>\n");
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
