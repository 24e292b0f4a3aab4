package io.github.lb4j.example;

/** The little JSON this example writes: string quoting and objects of counts. */
final class Json {
  private Json() {}

  static String quote(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }

  /** {@code ["a","b",...]} in the list's order. */
  static String strings(java.util.List<String> strings) {
    StringBuilder sb = new StringBuilder("[");
    for (String s : strings) {
      sb.append(sb.length() == 1 ? "" : ",").append(quote(s));
    }
    return sb.append(']').toString();
  }

  /**
   * Appends an endpoint's live state as the fields of a JSON object, without its braces: {@code
   * "id", "address", "health", "inFlight", "successes", "failures", "ejections", "picks",
   * "latencyEwmaMs"}. The one shape of an endpoint in the example's status answers.
   */
  static StringBuilder endpointFields(StringBuilder sb, io.github.lb4j.EndpointState e) {
    return sb.append("\"id\":")
        .append(quote(e.endpoint().id()))
        .append(",\"address\":")
        .append(quote(e.endpoint().address().toString()))
        .append(",\"health\":")
        .append(quote(e.health().name()))
        .append(",\"inFlight\":")
        .append(e.inFlight())
        .append(",\"successes\":")
        .append(e.successes())
        .append(",\"failures\":")
        .append(e.failures())
        .append(",\"ejections\":")
        .append(e.ejections())
        .append(",\"picks\":")
        .append(e.picks())
        .append(
            String.format(
                java.util.Locale.ROOT, ",\"latencyEwmaMs\":%.3f", e.latencyEwmaNanos() / 1e6));
  }

  /** {@code {"key":count,...}} in the map's order. */
  static String counts(java.util.Map<String, Integer> counts) {
    StringBuilder sb = new StringBuilder("{");
    for (java.util.Map.Entry<String, Integer> e : counts.entrySet()) {
      sb.append(sb.length() == 1 ? "" : ",")
          .append(quote(e.getKey()))
          .append(':')
          .append(e.getValue());
    }
    return sb.append('}').toString();
  }
}
