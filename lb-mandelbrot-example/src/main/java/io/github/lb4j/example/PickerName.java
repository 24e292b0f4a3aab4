package io.github.lb4j.example;

import io.github.lb4j.PickerFactory;
import io.github.lb4j.core.Pickers;
import io.github.lb4j.core.ReportedLoadBuilder;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The pickers the command line offers, by name. The reported-load picker weighs workers by the load
 * they report with each tile ({@link LoadMeter}), with weights that count after half a second of
 * reports and are recomputed every 100 ms, so that they steer within one render.
 */
enum PickerName {
  ROUND_ROBIN("round-robin"),
  LEAST_CONNECTION("least-connection"),
  PEAK_EWMA("peak-ewma"),
  CONSISTENT_HASH("consistent-hash"),
  RANDOM("random"),
  REPORTED_LOAD("reported-load");

  /** The load bound of consistent hashing: 1.25 times the mean share of the calls in flight. */
  static final double BOUNDED_LOAD = 1.25;

  /**
   * How long a worker reports before its weight counts, for the reported-load picker: gRPC's 10 s
   * would outlast a whole render, which takes a few hundred milliseconds.
   */
  static final Duration REPORTED_LOAD_BLACKOUT = Duration.ofMillis(500);

  /** How often the reported-load picker recomputes the weights: the shortest period it takes. */
  static final Duration REPORTED_LOAD_UPDATE = ReportedLoadBuilder.MIN_WEIGHT_UPDATE_PERIOD;

  final String label;

  PickerName(String label) {
    this.label = label;
  }

  PickerFactory factory() {
    return switch (this) {
      case ROUND_ROBIN -> Pickers.roundRobin();
      case LEAST_CONNECTION -> Pickers.leastConnection();
      case PEAK_EWMA -> Pickers.peakEwma();
      case CONSISTENT_HASH -> Pickers.consistentHashBuilder().boundedLoad(BOUNDED_LOAD).build();
      case RANDOM -> Pickers.random();
      case REPORTED_LOAD -> reportedLoadBuilder().build();
    };
  }

  /** The reported-load picker's settings for renders: a short blackout, the fastest updates. */
  static ReportedLoadBuilder reportedLoadBuilder() {
    return Pickers.reportedLoadBuilder()
        .blackoutPeriod(REPORTED_LOAD_BLACKOUT)
        .weightUpdatePeriod(REPORTED_LOAD_UPDATE);
  }

  static PickerName parse(String name) {
    for (PickerName p : values()) {
      if (p.label.equals(name)) {
        return p;
      }
    }
    throw new InvalidParameterException(
        "picker", "picker: '" + name + "' (expected: one of " + labels() + ")");
  }

  static String labels() {
    return Arrays.stream(values()).map(p -> p.label).collect(Collectors.joining(", "));
  }

  @Override
  public String toString() {
    return label;
  }
}
