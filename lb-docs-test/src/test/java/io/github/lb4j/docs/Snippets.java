package io.github.lb4j.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * Extracts the fenced {@code java} blocks of Markdown files and compiles them with the JDK's
 * compiler, reporting each error at its line in the Markdown file.
 *
 * <p>A block is compiled as it stands when it declares a top-level type; otherwise its leading
 * {@code import} lines become the imports of a generated class and the rest the body of one of its
 * methods, in a class that extends {@link SnippetContext} (the few names a snippet may use without
 * declaring them). Nothing is imported for a snippet: a type it does not import does not compile.
 */
final class Snippets {

  private static final Pattern IMPORT =
      Pattern.compile("\\s*import\\s+(static\\s+)?[\\w.]+(\\.\\*)?\\s*;.*");
  private static final Pattern TOP_LEVEL_TYPE =
      Pattern.compile(
          "(?:(?:public|final|abstract|sealed)\\s+)*(?:class|record|interface|enum)\\s+(\\w+).*");

  private Snippets() {}

  /** One fenced block: where it is and its lines, the fences excluded. */
  record Snippet(String file, int firstLine, List<String> lines) {
    /** The Markdown line of the block's {@code i}-th line (0-based). */
    int lineOf(int i) {
      return firstLine + i;
    }
  }

  /** The fenced {@code java} blocks of {@code file}, named by {@code name} in messages. */
  static List<Snippet> extract(Path file, String name) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return extract(lines, name);
  }

  static List<Snippet> extract(List<String> lines, String name) {
    List<Snippet> snippets = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      if (!lines.get(i).strip().equals("```java")) {
        continue;
      }
      int start = i + 1;
      int end = start;
      while (end < lines.size() && !lines.get(end).strip().startsWith("```")) {
        end++;
      }
      if (end == lines.size()) {
        throw new IllegalArgumentException(name + ":" + (start) + ": ```java block never closed");
      }
      // Markdown lines are 1-based: the block's first line is line start + 1.
      snippets.add(new Snippet(name, start + 1, List.copyOf(lines.subList(start, end))));
      i = end;
    }
    return snippets;
  }

  /**
   * Compiles {@code snippets} against {@code classPath} into {@code outDir}; returns one message
   * per error, {@code FILE:LINE: message} followed by the offending line, or an empty list.
   */
  static List<String> compile(List<Snippet> snippets, String classPath, Path outDir) {
    JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
    Map<String, Unit> units = new HashMap<>();
    List<JavaFileObject> sources = new ArrayList<>();
    for (int n = 0; n < snippets.size(); n++) {
      Unit unit = Unit.of(snippets.get(n), n);
      units.put(unit.toUri().toString(), unit);
      sources.add(unit);
    }
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    try (StandardJavaFileManager files =
        compiler.getStandardFileManager(diagnostics, Locale.ROOT, null)) {
      List<String> options =
          List.of(
              "--release",
              "17",
              "-proc:none",
              "-implicit:none",
              "-classpath",
              classPath,
              "-d",
              outDir.toString());
      compiler.getTask(null, files, diagnostics, options, null, sources).call();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> errors = new ArrayList<>();
    for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
      if (d.getKind() != Diagnostic.Kind.ERROR) {
        continue;
      }
      Unit unit = d.getSource() == null ? null : units.get(d.getSource().toUri().toString());
      if (unit == null) {
        errors.add(d.getMessage(Locale.ROOT));
        continue;
      }
      errors.add(unit.describe((int) d.getLineNumber(), d.getMessage(Locale.ROOT)));
    }
    return errors;
  }

  /** The generated source of one snippet, with the Markdown line of each of its lines. */
  private static final class Unit extends SimpleJavaFileObject {
    final Snippet snippet;
    final String source;
    final int[] markdownLines; // index: source line - 1
    final String[] markdownText;

    private Unit(String className, Snippet snippet, List<String> code, List<Integer> origin) {
      super(URI.create("string:///" + className + Kind.SOURCE.extension), Kind.SOURCE);
      this.snippet = snippet;
      this.source = String.join("\n", code) + "\n";
      this.markdownLines = origin.stream().mapToInt(Integer::intValue).toArray();
      this.markdownText = code.toArray(String[]::new);
    }

    static Unit of(Snippet snippet, int n) {
      List<String> lines = snippet.lines();
      String typeName = compilationUnitType(lines);
      if (typeName != null) {
        // A whole compilation unit: compiled as written, under the name of its type.
        List<Integer> origin = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
          origin.add(snippet.lineOf(i));
        }
        return new Unit(typeName.isEmpty() ? "Snippet" + n : typeName, snippet, lines, origin);
      }
      String className = "Snippet" + n;
      List<String> code = new ArrayList<>();
      List<Integer> origin = new ArrayList<>();
      int body = 0;
      // Leading imports (blank and comment lines may sit between them) head the class.
      for (int i = 0; i < lines.size(); i++) {
        String line = lines.get(i);
        if (IMPORT.matcher(line).matches()) {
          code.add(line);
          origin.add(snippet.lineOf(i));
          body = i + 1;
        } else if (!line.isBlank() && !line.strip().startsWith("//")) {
          break;
        }
      }
      code.add("class " + className + " extends io.github.lb4j.docs.SnippetContext {");
      origin.add(snippet.lineOf(0));
      code.add("  void snippet() throws Exception {");
      origin.add(snippet.lineOf(0));
      for (int i = body; i < lines.size(); i++) {
        code.add(lines.get(i));
        origin.add(snippet.lineOf(i));
      }
      code.add("  }");
      origin.add(snippet.lineOf(lines.size() - 1));
      code.add("}");
      origin.add(snippet.lineOf(lines.size() - 1));
      return new Unit(className, snippet, code, origin);
    }

    /**
     * The name of the first type if {@code lines} are a compilation unit ("" for a package without
     * a type name found), else null. A unit has a package line, or starts (after its imports) with
     * a type declaration and has nothing else at column 0 but more types and closing braces; a
     * local record followed by statements is a method body.
     */
    static String compilationUnitType(List<String> lines) {
      String first = null;
      boolean hasPackage = false;
      for (String line : lines) {
        if (line.isBlank()
            || line.startsWith(" ")
            || line.startsWith("\t")
            || line.startsWith("//")
            || line.startsWith("@")
            || line.startsWith("/*")
            || line.startsWith("*")
            || IMPORT.matcher(line).matches()) {
          continue;
        }
        if (line.startsWith("package ")) {
          hasPackage = true;
          continue;
        }
        Matcher type = TOP_LEVEL_TYPE.matcher(line);
        if (type.matches()) {
          if (first == null) {
            first = type.group(1);
          }
        } else if (first == null || !line.startsWith("}")) {
          return hasPackage ? "" : null;
        }
      }
      return first == null && hasPackage ? "" : first;
    }

    String describe(int sourceLine, String message) {
      int i = Math.max(0, Math.min(sourceLine - 1, markdownLines.length - 1));
      return snippet.file()
          + ":"
          + markdownLines[i]
          + ": "
          + message
          + "\n    | "
          + markdownText[i].strip()
          + "\n    (in the java block at "
          + snippet.file()
          + ":"
          + snippet.firstLine()
          + ")";
    }

    @Override
    public CharSequence getCharContent(boolean ignoreEncodingErrors) {
      return source;
    }
  }
}
