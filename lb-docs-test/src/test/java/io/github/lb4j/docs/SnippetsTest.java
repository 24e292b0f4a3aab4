package io.github.lb4j.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The extractor and its messages, on Markdown made up here. */
class SnippetsTest {

  @TempDir Path out;

  private List<String> compile(String... markdown) {
    return Snippets.compile(
        Snippets.extract(List.of(markdown), "GUIDE.md"), DocSnippetsTest.classPath(), out);
  }

  @Test
  void extractsJavaBlocksWithTheirFirstLine() {
    List<Snippets.Snippet> snippets =
        Snippets.extract(
            List.of(
                "# Title",
                "```xml",
                "<a/>",
                "```",
                "text",
                "```java",
                "int a = 1;",
                "int b = a;",
                "```"),
            "GUIDE.md");
    assertEquals(1, snippets.size());
    assertEquals(7, snippets.get(0).firstLine());
    assertEquals(List.of("int a = 1;", "int b = a;"), snippets.get(0).lines());
  }

  @Test
  void aGoodSnippetCompiles() {
    assertEquals(
        List.of(),
        compile(
            "```java",
            "import io.github.lb4j.Endpoint;",
            "import io.github.lb4j.core.Balancers;",
            "",
            "Endpoint e = Endpoint.of(\"http://127.0.0.1:8081\");",
            "var b = Balancers.builder().endpoints(e);",
            "int status = send(e.address());",
            "```"));
  }

  @Test
  void anErrorNamesTheFileAndTheMarkdownLine() {
    List<String> errors =
        compile(
            "# Guide",
            "",
            "```java",
            "import io.github.lb4j.Endpoint;",
            "",
            "Endpoint e = Endpoint.of(\"http://127.0.0.1:8081\");",
            "String s = e;",
            "```");
    assertEquals(1, errors.size(), errors::toString);
    String error = errors.get(0);
    assertTrue(error.startsWith("GUIDE.md:7: incompatible types"), error);
    assertTrue(error.contains("| String s = e;"), error);
    assertTrue(error.contains("(in the java block at GUIDE.md:4)"), error);
  }

  @Test
  void aMissingImportDoesNotCompile() {
    List<String> errors =
        compile("```java", "Endpoint e = Endpoint.of(\"http://127.0.0.1:8081\");", "```");
    assertTrue(
        !errors.isEmpty() && errors.get(0).startsWith("GUIDE.md:2: cannot find symbol"),
        errors::toString);
  }

  @Test
  void aWholeClassCompilesAsWritten() {
    assertEquals(
        List.of(),
        compile(
            "```java",
            "import io.github.lb4j.Balancer;",
            "",
            "public final class Client {",
            "  private final Balancer balancer;",
            "  Client(Balancer balancer) { this.balancer = balancer; }",
            "}",
            "```"));
  }

  @Test
  void aLocalRecordFollowedByStatementsIsAMethodBody() {
    assertEquals(
        List.of(),
        compile(
            "```java",
            "record Tile(int x, int y) {",
            "  String key() { return x + \":\" + y; }",
            "}",
            "String key = new Tile(1, 2).key();",
            "```"));
  }

  @Test
  void anUnclosedBlockIsAnError() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Snippets.extract(List.of("text", "```java", "int a;"), "GUIDE.md"));
    assertEquals("GUIDE.md:2: ```java block never closed", e.getMessage());
  }
}
