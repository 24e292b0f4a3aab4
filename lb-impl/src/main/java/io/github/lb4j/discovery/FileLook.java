package io.github.lb4j.discovery;

import io.github.lb4j.Endpoint;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One look at an endpoints file: reads and parses the whole file.
 *
 * <p>Format, one endpoint a line: an absolute URL, optionally followed by a weight; {@code #}
 * starts a comment; blank lines are ignored:
 *
 * <pre>
 * # tile workers
 * http://10.0.0.1:8080
 * http://10.0.0.2:8080  3   # twice the cores
 * </pre>
 *
 * <p>Any bad line fails the whole look, so a half-written file never shrinks the set: write the
 * file elsewhere and move it into place.
 */
final class FileLook implements PollingSource.Look {
  private static final Pattern WHITESPACE = Pattern.compile("\\s+");
  private static final String FORMAT = "URL [WEIGHT], e.g. http://10.0.0.1:8080 2";

  private final Path path;
  private final Duration pollInterval;

  FileLook(Path path, Duration pollInterval) {
    this.path = path;
    this.pollInterval = pollInterval;
  }

  @Override
  public Resolution look() {
    String text;
    try {
      text = Files.readString(path, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return Resolution.failed("not found");
    } catch (IOException e) {
      return Resolution.failed("cannot read: " + e);
    }
    List<Endpoint> endpoints = new ArrayList<>();
    Map<String, Integer> firstLine = new HashMap<>();
    String[] lines = text.split("\\R", -1);
    for (int i = 0; i < lines.length; i++) {
      int lineNumber = i + 1;
      String line = lines[i];
      int hash = line.indexOf('#');
      String content = (hash >= 0 ? line.substring(0, hash) : line).strip();
      if (content.isEmpty()) {
        continue;
      }
      Endpoint endpoint;
      try {
        endpoint = parse(content);
      } catch (IllegalArgumentException e) {
        return Resolution.failed(
            "line "
                + lineNumber
                + ": '"
                + content
                + "' (expected: "
                + FORMAT
                + "): "
                + e.getMessage());
      }
      Integer previous = firstLine.putIfAbsent(endpoint.id(), lineNumber);
      if (previous != null) {
        return Resolution.failed(
            "line "
                + lineNumber
                + ": duplicate endpoint "
                + endpoint.id()
                + " (first on line "
                + previous
                + ")");
      }
      endpoints.add(endpoint);
    }
    if (endpoints.isEmpty()) {
      return Resolution.empty(pollInterval, "no endpoints listed");
    }
    return Resolution.found(endpoints, pollInterval, "read from the file");
  }

  private static Endpoint parse(String content) {
    // splitAsStream drops trailing empty strings, as String.split did.
    String[] parts = WHITESPACE.splitAsStream(content).toArray(String[]::new);
    if (parts.length > 2) {
      throw new IllegalArgumentException("too many fields");
    }
    Endpoint endpoint = Endpoint.of(parts[0]);
    if (parts.length == 2) {
      int weight;
      try {
        weight = Integer.parseInt(parts[1]);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("weight: " + parts[1] + " (expected: an integer > 0)");
      }
      endpoint = endpoint.withWeight(weight); // Endpoint checks > 0
    }
    return endpoint;
  }

  @Override
  public String toString() {
    return "file:" + path;
  }
}
