package io.github.lb4j.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TileAuthTest {
  static final TileSpec SPEC = new TileSpec(-2, 1, -1, 1, 8, 4, 100);
  static final byte[] BODY = TileCodec.encodeRaw(Mandelbrot.iterate(SPEC));

  @TempDir Path dir;

  @Test
  void accepts_onlyTheBearerToken() {
    TileAuth auth = TestTokens.AUTH;
    assertTrue(auth.accepts("Bearer " + TestTokens.TOKEN));
    assertFalse(auth.accepts(null));
    assertFalse(auth.accepts(""));
    assertFalse(auth.accepts(TestTokens.TOKEN));
    assertFalse(auth.accepts("Bearer " + TestTokens.TOKEN + "x"));
    assertFalse(auth.accepts("Bearer " + TestTokens.TOKEN.substring(1)));
    assertFalse(auth.accepts("bearer " + TestTokens.TOKEN));
  }

  @Test
  void sign_isHmacSha256OfTheQueryANewlineAndTheBody_goldenValue() {
    // Computed independently: HMAC-SHA256(token, "reMin=-2.0&...&maxIter=100\n" + 00 01 00 02).
    assertEquals(
        "1f00920d1f2fb6af97061975ecf327ecea2844c13c501714686c0147d98abca6",
        TestTokens.AUTH.sign(SPEC, new byte[] {0, 1, 0, 2}));
  }

  @Test
  void verify_rejectsAnotherTokenAnotherTileAndAnotherBody() {
    String signature = TestTokens.AUTH.sign(SPEC, BODY);
    assertTrue(TestTokens.AUTH.verify(SPEC, BODY, signature));
    assertFalse(TestTokens.AUTH.verify(SPEC, BODY, null));
    assertFalse(TestTokens.AUTH.verify(SPEC, BODY, signature.toUpperCase()));
    assertFalse(TileAuth.of("another-token-of-enough-length", "x").verify(SPEC, BODY, signature));
    TileSpec other = new TileSpec(-2, 1, -1, 1, 8, 4, 101);
    assertFalse(TestTokens.AUTH.verify(other, BODY, signature), "a replay for another tile");
    byte[] tampered = BODY.clone();
    tampered[3] ^= 1;
    assertFalse(TestTokens.AUTH.verify(SPEC, tampered, signature));
  }

  @Test
  void verify_ofTheQuery_isVerifyOfItsSpec() {
    String signature = TestTokens.AUTH.sign(SPEC, BODY);
    assertTrue(TestTokens.AUTH.verify(SPEC.toQuery(), BODY, signature));
    assertFalse(TestTokens.AUTH.verify(SPEC.toQuery(), BODY, null));
    TileSpec other = new TileSpec(-2, 1, -1, 1, 8, 4, 101);
    assertFalse(TestTokens.AUTH.verify(other.toQuery(), BODY, signature), "another tile's query");
    byte[] tampered = BODY.clone();
    tampered[0] ^= 1;
    assertFalse(TestTokens.AUTH.verify(SPEC.toQuery(), tampered, signature));
  }

  @Test
  void generate_freshTokensThatAreNeverPrinted() {
    SecureRandom random = new SecureRandom();
    TileAuth a = TileAuth.generate(random);
    TileAuth b = TileAuth.generate(random);
    assertNotEquals(a.sign(SPEC, BODY), b.sign(SPEC, BODY));
    assertEquals("TileAuth[token hidden]", a.toString());
  }

  @Test
  void of_tooShort_messageGivesTheLengthNotTheToken() {
    InvalidParameterException e =
        assertThrows(InvalidParameterException.class, () -> TileAuth.of("s3cret", "the test"));
    assertEquals("token from the test: 6 characters (expected: 16 to 512)", e.getMessage());
  }

  @Test
  void of_aSpace_rejected() {
    InvalidParameterException e =
        assertThrows(
            InvalidParameterException.class, () -> TileAuth.of("0123456789 abcdefgh", "the test"));
    assertEquals(
        "token from the test: a character other than printable ASCII at index 10"
            + " (expected: printable ASCII without spaces)",
        e.getMessage());
  }

  @Test
  void resolve_fileWinsOverTheEnvironmentAndItsNewlineIsDropped() throws Exception {
    Path file = TestTokens.file(dir);
    TileAuth auth = TileAuth.resolve(file, Map.of(TileAuth.ENV, "the-environment-token"));
    assertTrue(auth.accepts("Bearer " + TestTokens.TOKEN));
  }

  @Test
  void resolve_environmentWhenNoFile() {
    TileAuth auth = TileAuth.resolve(null, Map.of(TileAuth.ENV, TestTokens.TOKEN));
    assertTrue(auth.accepts("Bearer " + TestTokens.TOKEN));
  }

  @Test
  void resolve_neither_namesBoth() {
    InvalidParameterException e =
        assertThrows(InvalidParameterException.class, () -> TileAuth.resolve(null, Map.of()));
    assertEquals("token-file", e.parameter());
    assertEquals(
        "token-file: none given and LB4J_TOKEN unset (expected: the workers' token in a"
            + " file named by --token-file or in LB4J_TOKEN)",
        e.getMessage());
  }

  @Test
  void resolve_missingFile_namesIt() {
    Path missing = dir.resolve("nope");
    InvalidParameterException e =
        assertThrows(InvalidParameterException.class, () -> TileAuth.resolve(missing, Map.of()));
    assertEquals("token-file: " + missing + " (expected: an existing file)", e.getMessage());
  }

  @Test
  void resolve_shortTokenInAFile_namesTheFileNotTheToken() throws Exception {
    Path file = Files.writeString(dir.resolve("short"), "tiny\n", StandardCharsets.US_ASCII);
    InvalidParameterException e =
        assertThrows(InvalidParameterException.class, () -> TileAuth.resolve(file, Map.of()));
    assertEquals(
        "token from --token-file " + file + ": 4 characters (expected: 16 to 512)", e.getMessage());
  }
}
