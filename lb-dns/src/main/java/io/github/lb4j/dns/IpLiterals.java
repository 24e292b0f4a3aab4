package io.github.lb4j.dns;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * IP address literals, with the JDK only and never a DNS lookup: parsing the address of a DNS
 * server, and writing an address the way endpoint ids spell it ({@code 10.0.0.1}, {@code [::1]},
 * IPv6 in the RFC 5952 short form), so that an id stays the same across refreshes.
 *
 * <p>Threading: stateless; safe from any thread.
 */
final class IpLiterals {
  private static final String OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";

  /** Dotted quad, each part in [0, 255] without leading zeros (which some read as octal). */
  private static final Pattern IPV4 = Pattern.compile(OCTET + "(\\." + OCTET + "){3}");

  /**
   * What may be an IPv6 literal, with an optional scope: starting with a hex digit or a colon, the
   * JDK parses it as a literal and never asks DNS; it rejects a malformed one itself.
   */
  private static final Pattern IPV6 =
      Pattern.compile("[0-9a-fA-F:][0-9a-fA-F:.]*:[0-9a-fA-F:.]*(%[A-Za-z0-9_.-]+)?");

  private IpLiterals() {}

  /** The address {@code text} spells, or empty when it is no IPv4 or IPv6 literal. */
  static Optional<InetAddress> parse(String text) {
    if (!IPV4.matcher(text).matches() && !IPV6.matcher(text).matches()) {
      return Optional.empty(); // a host name: InetAddress.getByName would look it up
    }
    try {
      return Optional.of(InetAddress.getByName(text));
    } catch (UnknownHostException e) {
      return Optional.empty(); // a malformed IPv6 literal or an unknown scope
    }
  }

  /**
   * {@code address} as the host of a URI: IPv4 dotted, IPv6 in brackets in the RFC 5952 short form
   * (lower case, no leading zeros, the longest run of two or more zero groups as {@code ::}),
   * without a scope.
   */
  static String uriHost(InetAddress address) {
    if (!(address instanceof Inet6Address)) {
      return address.getHostAddress();
    }
    byte[] bytes = address.getAddress();
    int[] groups = new int[8];
    for (int i = 0; i < 8; i++) {
      groups[i] = ((bytes[2 * i] & 0xff) << 8) | (bytes[2 * i + 1] & 0xff);
    }
    int bestStart = -1;
    int bestLength = 1; // a single zero group is not shortened
    for (int i = 0; i < 8; ) {
      if (groups[i] != 0) {
        i++;
        continue;
      }
      int start = i;
      while (i < 8 && groups[i] == 0) {
        i++;
      }
      if (i - start > bestLength) {
        bestStart = start;
        bestLength = i - start;
      }
    }
    StringBuilder s = new StringBuilder("[");
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        s.append("::");
        i += bestLength - 1;
        continue;
      }
      if (s.length() > 1 && s.charAt(s.length() - 1) != ':') {
        s.append(':');
      }
      s.append(Integer.toHexString(groups[i]));
    }
    return s.append(']').toString();
  }
}
