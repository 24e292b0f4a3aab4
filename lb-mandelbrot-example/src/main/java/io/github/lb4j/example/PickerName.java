package io.github.lb4j.example;

import io.github.lb4j.PickerFactory;
import io.github.lb4j.core.Pickers;
import java.util.Arrays;
import java.util.stream.Collectors;

/** The pickers the command line offers, by name. */
enum PickerName {
  ROUND_ROBIN("round-robin"),
  LEAST_CONNECTION("least-connection"),
  PEAK_EWMA("peak-ewma"),
  CONSISTENT_HASH("consistent-hash"),
  RANDOM("random");

  /** The load bound of consistent hashing: 1.25 times the mean share of the calls in flight. */
  static final double BOUNDED_LOAD = 1.25;

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
    };
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
