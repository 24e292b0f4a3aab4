package io.github.lb4j.example;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The token of the workers the tests start as remote ones, and a file holding it. */
final class TestTokens {
  static final String TOKEN = "test-token-0123456789abcdef";
  static final TileAuth AUTH = TileAuth.of(TOKEN, "the tests");

  private TestTokens() {}

  /** A token file in {@code dir}, with a trailing newline as an editor leaves it. */
  static Path file(Path dir) throws IOException {
    return Files.writeString(dir.resolve("token"), TOKEN + "\n");
  }
}
