package io.github.lb4j.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigInteger;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

final class PolynomialTest {

  private static Polynomial phi(String text) {
    return Polynomial.parse("Phi", text, "ij", "i+j+2j^2+25");
  }

  private static Polynomial h(String text) {
    return Polynomial.parse("H", text, "i", "i+2i^2+17");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "i+j+2j^2+25|2|3|48",
        "407i + 57j + 2j^2 + 25|1|8|1016",
        "3*i*j - 1|4|5|59",
        "-i^2j+i j|3|2|-12",
        "17|9|9|17",
        "-5|0|0|-5",
        "i^0|7|7|1",
        "2ii + jj^2|3|2|26",
        "I+J|1|2|3",
        "0i+0|5|5|0",
      })
  void applyAsLong_smallValues_matchTheFormula(String text, long i, long j, long value) {
    assertEquals(value, phi(text).applyAsLong(i, j), text);
  }

  @Test
  void applyAsLong_largeIds_exactModulo512() {
    // Wrapping long arithmetic is exact modulo 2^64, so modulo every power of two: checked
    // against exact integers for ids far beyond where i^2 overflows.
    Polynomial p = phi("123456789i^3 + 2i^2j - 999999999999j^2 + 17");
    Random random = new Random(1);
    BigInteger slots = BigInteger.valueOf(512);
    for (int k = 0; k < 1_000; k++) {
      long i = random.nextLong();
      long j = random.nextInt(9);
      BigInteger bi = BigInteger.valueOf(i);
      BigInteger bj = BigInteger.valueOf(j);
      BigInteger exact =
          BigInteger.valueOf(123456789)
              .multiply(bi.pow(3))
              .add(BigInteger.TWO.multiply(bi.pow(2)).multiply(bj))
              .subtract(BigInteger.valueOf(999999999999L).multiply(bj.pow(2)))
              .add(BigInteger.valueOf(17));
      assertEquals(exact.mod(slots).intValue(), Math.floorMod(p.applyAsLong(i, j), 512), "i=" + i);
    }
  }

  @Test
  void toString_theTextAsGiven() {
    assertEquals("i + 2i^2 + 17", h(" i + 2i^2 + 17 ").toString());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "i+*2",
        "",
        " ",
        "+",
        "i+",
        "i++j",
        "2*",
        "i*",
        "*i",
        "i2",
        "i^",
        "i^17",
        "i^9i^8",
        "x",
        "2.5i",
        "i-",
        "(i)",
        "1234567890123456789",
        "i^-1",
        "i,j"
      })
  void parse_malformed_namesParameterTextAndExpectation(String text) {
    InvalidParameterException e = assertThrows(InvalidParameterException.class, () -> phi(text));
    assertEquals("Phi", e.parameter());
    assertEquals(
        "Phi: '" + text + "' (expected: a polynomial in i and j such as i+j+2j^2+25)",
        e.getMessage());
  }

  @Test
  void parse_jInH_rejected() {
    InvalidParameterException e = assertThrows(InvalidParameterException.class, () -> h("i+j"));
    assertEquals("H: 'i+j' (expected: a polynomial in i such as i+2i^2+17)", e.getMessage());
  }

  @Test
  void parse_theExampleOfTheMessage_pinned() {
    InvalidParameterException e = assertThrows(InvalidParameterException.class, () -> h("i+*2"));
    assertEquals("H: 'i+*2' (expected: a polynomial in i such as i+2i^2+17)", e.getMessage());
  }
}
