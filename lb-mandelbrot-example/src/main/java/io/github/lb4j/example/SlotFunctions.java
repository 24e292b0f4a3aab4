package io.github.lb4j.example;

import io.github.lb4j.KeyHasher;
import io.github.lb4j.PickerFactory;
import io.github.lb4j.core.KeyHashers;
import io.github.lb4j.core.Pickers;
import java.util.List;
import java.util.function.LongBinaryOperator;
import java.util.function.LongUnaryOperator;

/**
 * A pair of slot functions for the classic 512-slot ring ({@link Pickers#classicSeedHash(
 * LongUnaryOperator, LongBinaryOperator)}): {@code H(i)} places request {@code i}, {@code Φ(i, j)}
 * replica {@code j} of server {@code i}. Parsed from a spec: a name ({@link #NAMES}) or {@code
 * H=POLY,Phi=POLY} with polynomials in {@code i} (and {@code j} for Φ), such as {@code
 * H=i+2i^2+17,Phi=i+j+2j^2+25}.
 *
 * <p>Immutable and thread safe.
 *
 * @param name the pair's name; {@code custom} for a spec of polynomials
 * @param description H and Φ as people read them
 * @param h the request slot function
 * @param phi the server slot function
 */
record SlotFunctions(String name, String description, LongUnaryOperator h, LongBinaryOperator phi) {

  /** The seed's pair, which clusters every server's replicas in one band of the ring. */
  static final SlotFunctions SEED = polynomials("seed", "i+2i^2+17", "i+j+2j^2+25");

  /**
   * The seed's H with a Φ that spreads each server's replicas around the ring ({@code 57j}, one per
   * ninth of it) and servers far apart ({@code 407i}) instead of on adjacent slots.
   */
  static final SlotFunctions SPREAD = polynomials("spread", "i+2i^2+17", "407i+57j+2j^2+25");

  /**
   * Pseudo-random places: Murmur3 mixing of the request id, and of the server and replica numbers.
   */
  static final SlotFunctions MURMUR = murmur();

  /** The name of a pair given as polynomials. */
  static final String CUSTOM = "custom";

  /** The pairs known by name. */
  static final List<SlotFunctions> NAMES = List.of(SEED, SPREAD, MURMUR);

  private static final String H_EXAMPLE = "i+2i^2+17";
  private static final String PHI_EXAMPLE = "i+j+2j^2+25";

  /**
   * Parses a spec: a name of {@link #NAMES}, or {@code H=POLY,Phi=POLY}.
   *
   * @throws InvalidParameterException naming the part that is wrong and what was expected
   */
  static SlotFunctions parse(String parameter, String spec) {
    for (SlotFunctions named : NAMES) {
      if (named.name().equals(spec.strip())) {
        return named;
      }
    }
    String[] parts = spec.split(",", -1);
    if (parts.length != 2
        || !parts[0].strip().startsWith("H=")
        || !parts[1].strip().startsWith("Phi=")) {
      throw new InvalidParameterException(
          parameter,
          parameter
              + ": '"
              + spec
              + "' (expected: "
              + String.join(", ", NAMES.stream().map(SlotFunctions::name).toList())
              + " or H=POLY,Phi=POLY such as H="
              + H_EXAMPLE
              + ",Phi="
              + PHI_EXAMPLE
              + ")");
    }
    return polynomials(
        CUSTOM,
        parts[0].strip().substring("H=".length()),
        parts[1].strip().substring("Phi=".length()));
  }

  private static SlotFunctions polynomials(String name, String hText, String phiText) {
    Polynomial h = Polynomial.parse("H", hText, "i", H_EXAMPLE);
    Polynomial phi = Polynomial.parse("Phi", phiText, "ij", PHI_EXAMPLE);
    return new SlotFunctions(
        name, "H(i) = " + h + ", \u03a6(i,j) = " + phi, i -> h.applyAsLong(i, 0), phi::applyAsLong);
  }

  private static SlotFunctions murmur() {
    KeyHasher murmur = KeyHashers.murmur3();
    return new SlotFunctions(
        "murmur",
        "H(i) = murmur3(i), \u03a6(i,j) = murmur3(i/j)",
        i -> murmur.hash(Long.toString(i)),
        (i, j) -> murmur.hash(i + "/" + j));
  }

  /** The classic ring with these functions. */
  PickerFactory factory() {
    return Pickers.classicSeedHash(h, phi);
  }
}
