package io.github.lb4j.example;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import okhttp3.Interceptor;

/**
 * The shared token between a coordinator and its workers. A worker computes a tile only for a
 * request carrying {@code Authorization: Bearer <token>}, and signs each tile answer with an
 * HMAC-SHA256 under the token, of the tile's canonical query and the body, sent in {@value
 * #SIGNATURE_HEADER}; the coordinator rejects an answer whose signature does not match, so a
 * process that binds a worker's port without the token can neither use the workers nor feed tiles.
 *
 * <p>The token never leaves this class except on the wire: {@link #toString()} hides it, and no
 * error message quotes it. Comparisons take constant time.
 *
 * <p>Immutable and thread safe.
 */
final class TileAuth {
  /** The environment variable holding the token of remote workers. */
  static final String ENV = "LB4J_TOKEN";

  /** The answer header carrying the signature: 64 lowercase hex digits. */
  static final String SIGNATURE_HEADER = "X-Tile-Signature";

  static final String AUTHORIZATION = "Authorization";
  private static final String BEARER = "Bearer ";
  private static final String HMAC = "HmacSHA256";

  /** The shortest token accepted from a file or the environment. */
  static final int MIN_LENGTH = 16;

  private static final int MAX_LENGTH = 512;

  private final byte[] token;
  private final byte[] authorization;
  private final SecretKeySpec key;
  // A Mac is not thread safe; one per thread, keyed once, saves a provider look-up and the key's
  // set-up on every tile (doFinal leaves it ready for the next message).
  private final ThreadLocal<Mac> macs;

  private TileAuth(String token) {
    this.token = token.getBytes(StandardCharsets.US_ASCII);
    this.authorization = (BEARER + token).getBytes(StandardCharsets.US_ASCII);
    this.key = new SecretKeySpec(this.token, HMAC);
    this.macs = ThreadLocal.withInitial(this::newMac);
  }

  private Mac newMac() {
    try {
      Mac mac = Mac.getInstance(HMAC);
      mac.init(key);
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is unavailable", e); // every JDK has it
    }
  }

  /** The token itself, handed to the worker processes a run starts through their environment. */
  String token() {
    return new String(token, StandardCharsets.US_ASCII);
  }

  /** A fresh token of 256 random bits, for the workers one run starts. */
  static TileAuth generate(SecureRandom random) {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    return new TileAuth(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
  }

  /**
   * A given token: {@value #MIN_LENGTH} to 512 printable ASCII characters, without spaces.
   *
   * @param source where the token came from, named in the error (never the token itself)
   * @throws InvalidParameterException when the token is not of that form
   */
  static TileAuth of(String token, String source) {
    if (token.length() < MIN_LENGTH || token.length() > MAX_LENGTH) {
      throw new InvalidParameterException(
          "token",
          "token from "
              + source
              + ": "
              + token.length()
              + " characters (expected: "
              + MIN_LENGTH
              + " to "
              + MAX_LENGTH
              + ")");
    }
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      if (c <= ' ' || c > '~') {
        throw new InvalidParameterException(
            "token",
            "token from "
                + source
                + ": a character other than printable ASCII at index "
                + i
                + " (expected: printable ASCII without spaces)");
      }
    }
    return new TileAuth(token);
  }

  /**
   * The token of remote workers: the first line of {@code tokenFile} when given, else the {@value
   * #ENV} variable of {@code env}.
   *
   * @throws InvalidParameterException when there is neither, or the file cannot be read, or the
   *     token is not of the form {@link #of} accepts
   */
  static TileAuth resolve(Path tokenFile, Map<String, String> env) {
    if (tokenFile != null) {
      String text;
      try {
        text = Files.readString(tokenFile, StandardCharsets.US_ASCII);
      } catch (NoSuchFileException e) {
        throw new InvalidParameterException(
            "token-file", "token-file: " + tokenFile + " (expected: an existing file)");
      } catch (IOException e) {
        throw new InvalidParameterException(
            "token-file",
            "token-file: "
                + tokenFile
                + " cannot be read: "
                + e.getClass().getSimpleName()
                + " (expected: a readable file holding the token)");
      }
      int end = text.indexOf('\n');
      return of((end < 0 ? text : text.substring(0, end)).strip(), "--token-file " + tokenFile);
    }
    String fromEnv = env.get(ENV);
    if (fromEnv != null && !fromEnv.isEmpty()) {
      return of(fromEnv.strip(), "the " + ENV + " variable");
    }
    throw new InvalidParameterException(
        "token-file",
        "token-file: none given and "
            + ENV
            + " unset (expected: the workers' token in a file named by --token-file or in "
            + ENV
            + ")");
  }

  /** Whether an {@code Authorization} header value carries this token; constant time. */
  boolean accepts(String authorizationHeader) {
    if (authorizationHeader == null) {
      return false;
    }
    return MessageDigest.isEqual(
        authorization, authorizationHeader.getBytes(StandardCharsets.US_ASCII));
  }

  /** An OkHttp interceptor adding this token to every request of a client. */
  Interceptor interceptor() {
    String value = new String(authorization, StandardCharsets.US_ASCII);
    return chain ->
        chain.proceed(chain.request().newBuilder().header(AUTHORIZATION, value).build());
  }

  /** The signature of a tile answer: hex HMAC-SHA256 of {@code spec.toQuery() + "\n" + body}. */
  String sign(TileSpec spec, byte[] body) {
    return sign(spec.toQuery(), body);
  }

  /** Whether {@code signature} is that of this answer; constant time, {@code null} is not. */
  boolean verify(TileSpec spec, byte[] body, String signature) {
    return verify(spec.toQuery(), body, signature);
  }

  /**
   * Like {@link #verify(TileSpec, byte[], String)}, for a caller that already holds the tile's
   * {@code query} ({@link TileSpec#toQuery()}, which formats four doubles): the client, which sent
   * it.
   */
  boolean verify(String query, byte[] body, String signature) {
    if (signature == null) {
      return false;
    }
    return MessageDigest.isEqual(
        sign(query, body).getBytes(StandardCharsets.US_ASCII),
        signature.getBytes(StandardCharsets.US_ASCII));
  }

  private String sign(String query, byte[] body) {
    Mac mac = macs.get();
    // Binding the tile's spec into the signature stops a replay of one tile's answer as another.
    mac.update((query + "\n").getBytes(StandardCharsets.US_ASCII));
    return HexFormat.of().formatHex(mac.doFinal(body));
  }

  @Override
  public String toString() {
    return "TileAuth[token hidden]";
  }
}
