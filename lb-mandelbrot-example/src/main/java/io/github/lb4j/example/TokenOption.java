package io.github.lb4j.example;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The {@code --token-file} option of the commands that talk to workers they did not start (and of
 * {@code worker}), with the {@value TileAuth#ENV} variable as its fallback. Not thread safe.
 */
final class TokenOption {
  @Option(
      names = "--token-file",
      paramLabel = "FILE",
      description =
          "File whose first line is the workers' shared token (default: the "
              + TileAuth.ENV
              + " environment variable). Local workers get a fresh token instead.")
  Path tokenFile;

  /** The token of remote workers; see {@link TileAuth#resolve}. */
  TileAuth remote() {
    return TileAuth.resolve(tokenFile, System.getenv());
  }

  /**
   * Checks that no token file was given for workers this run starts itself.
   *
   * @throws InvalidParameterException when one was
   */
  void checkUnused(String why) {
    if (tokenFile != null) {
      throw new InvalidParameterException(
          "token-file",
          "token-file: "
              + tokenFile
              + " given "
              + why
              + " (expected: only with --worker-urls or --discover; local workers get a fresh"
              + " token)");
    }
  }
}
