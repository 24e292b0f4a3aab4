package io.github.lb4j.example;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A polynomial in {@code i} and {@code j} with integer coefficients, as the classic ring's slot
 * functions are written: {@code i+2i^2+17}, {@code 407i + 57j + 2j^2 + 25}, {@code 3*i*j - 1}.
 *
 * <p>Grammar: terms joined by {@code +} or {@code -} (the first may be signed); a term is a
 * coefficient, one or more factors {@code i}, {@code j}, {@code i^N}, {@code j^N} (N from 0 to
 * {@value #MAX_EXPONENT}), or a coefficient followed by factors, with an optional {@code *} between
 * any two parts. Spaces are ignored. Coefficients are decimal integers that fit a {@code long}.
 *
 * <p>{@link #applyAsLong} computes in {@code long} arithmetic, which wraps modulo 2<sup>64</sup>:
 * the value is exact modulo every power of two, so modulo the ring's 512 slots too. Immutable and
 * thread safe.
 */
final class Polynomial {
  static final int MAX_EXPONENT = 16;

  /** One term: {@code coefficient * i^iPower * j^jPower}. */
  private record Term(long coefficient, int iPower, int jPower) {}

  private final String text;
  private final List<Term> terms;

  private Polynomial(String text, List<Term> terms) {
    this.text = text;
    this.terms = List.copyOf(terms);
  }

  /**
   * Parses {@code text}.
   *
   * @param parameter the parameter's name, for the message: {@code H} or {@code Phi}
   * @param text the polynomial
   * @param variables the variables allowed: {@code "i"} or {@code "ij"}
   * @param example a valid polynomial, for the message
   * @throws InvalidParameterException naming the parameter, the text and what was expected
   */
  static Polynomial parse(String parameter, String text, String variables, String example) {
    List<Term> terms = new Parser(text.replace(" ", ""), variables).terms();
    if (terms == null) {
      String in = variables.length() == 1 ? "i" : "i and j";
      throw new InvalidParameterException(
          parameter,
          parameter
              + ": '"
              + text
              + "' (expected: a polynomial in "
              + in
              + " such as "
              + example
              + ")");
    }
    return new Polynomial(text.strip(), terms);
  }

  /** The value at {@code (i, j)}, modulo 2<sup>64</sup>. */
  long applyAsLong(long i, long j) {
    long sum = 0;
    for (Term t : terms) {
      sum += t.coefficient() * power(i, t.iPower()) * power(j, t.jPower());
    }
    return sum;
  }

  private static long power(long base, int exponent) {
    long p = 1;
    for (int k = 0; k < exponent; k++) {
      p *= base;
    }
    return p;
  }

  @Override
  public String toString() {
    return text;
  }

  /** A recursive-descent parser over the text without spaces; {@code null} for malformed text. */
  private static final class Parser {
    private final String s;
    private final String variables;
    private int pos;

    Parser(String s, String variables) {
      this.s = s.toLowerCase(Locale.ROOT);
      this.variables = variables;
    }

    List<Term> terms() {
      List<Term> terms = new ArrayList<>();
      boolean negative = false;
      if (peek('-') || peek('+')) {
        negative = s.charAt(pos++) == '-';
      }
      while (true) {
        Term t = term(negative);
        if (t == null) {
          return null;
        }
        terms.add(t);
        if (pos == s.length()) {
          return terms;
        }
        if (!peek('+') && !peek('-')) {
          return null;
        }
        negative = s.charAt(pos++) == '-';
      }
    }

    private Term term(boolean negative) {
      long coefficient = 1;
      boolean any = false;
      if (pos < s.length() && Character.isDigit(s.charAt(pos))) {
        Long c = number();
        if (c == null) {
          return null;
        }
        coefficient = c;
        any = true;
      }
      int[] powers = new int[2];
      while (pos < s.length()) {
        int start = pos;
        if (any && peek('*')) {
          pos++;
        }
        int v = pos < s.length() ? variables.indexOf(s.charAt(pos)) : -1;
        if (v < 0) {
          if (pos != start) {
            return null; // a '*' must be followed by a factor
          }
          break;
        }
        pos++;
        int exponent = 1;
        if (peek('^')) {
          pos++;
          Long e = number();
          if (e == null || e > MAX_EXPONENT) {
            return null;
          }
          exponent = e.intValue();
        }
        powers[v] += exponent;
        if (powers[v] > MAX_EXPONENT) {
          return null;
        }
        any = true;
      }
      return any ? new Term(negative ? -coefficient : coefficient, powers[0], powers[1]) : null;
    }

    /** A decimal integer that fits a {@code long}, or {@code null}. */
    private Long number() {
      int start = pos;
      while (pos < s.length() && Character.isDigit(s.charAt(pos))) {
        pos++;
      }
      if (pos == start || pos - start > 18) {
        return null; // up to 18 digits always fit
      }
      return Long.parseLong(s, start, pos, 10);
    }

    private boolean peek(char c) {
      return pos < s.length() && s.charAt(pos) == c;
    }
  }
}
