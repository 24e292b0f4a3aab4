package io.github.lb4j.docs;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every Java snippet of README.md and docs/*.md compiles against the jars this build made. */
class DocSnippetsTest {

  private static final Path ROOT = Path.of(System.getProperty("snippets.root", "..")).normalize();

  @Test
  void everySnippetCompiles(@TempDir Path out) throws IOException {
    List<Path> files = new ArrayList<>();
    files.add(ROOT.resolve("README.md"));
    try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
      docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
    }
    List<Snippets.Snippet> snippets = new ArrayList<>();
    for (Path file : files) {
      snippets.addAll(Snippets.extract(file, ROOT.relativize(file).toString()));
    }
    long inReadme = snippets.stream().filter(s -> s.file().equals("README.md")).count();
    assertTrue(inReadme >= 5, "README.md java blocks found: " + inReadme);

    List<String> errors = Snippets.compile(snippets, classPath(), out);
    if (!errors.isEmpty()) {
      fail(
          errors.size()
              + " compile error(s) in the documentation's java blocks (each must show"
              + " its imports; see SnippetContext for the few names it may use undeclared):\n"
              + String.join("\n", errors));
    }
  }

  /** The jars a user of the snippets' modules would have, plus {@link SnippetContext}. */
  static String classPath() {
    String jars = System.getProperty("snippets.classpath");
    if (jars == null || jars.isBlank()) {
      throw new IllegalStateException("snippets.classpath not set: run through Maven");
    }
    String context =
        Path.of(SnippetContext.class.getProtectionDomain().getCodeSource().getLocation().getPath())
            .toString();
    return jars + java.io.File.pathSeparator + context;
  }
}
