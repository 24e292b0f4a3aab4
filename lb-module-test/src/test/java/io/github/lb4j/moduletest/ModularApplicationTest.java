package io.github.lb4j.moduletest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Small modular applications, compiled against lb4j's jars with {@code javax.tools} and run as real
 * processes with {@code java --module-path ... -m}: what a JPMS user does. Each module path holds
 * exactly what Maven resolves for a user of those modules, so a missing {@code requires} (the JVM
 * would not resolve the module, and a class of it fails with {@code NoClassDefFoundError}) or a
 * missing dependency fails here rather than in users' applications.
 */
final class ModularApplicationTest {
  private static final Path APPS =
      Path.of(System.getProperty("lb4j.apps", "src/test/modular-apps"));

  @TempDir Path out;

  @Test
  void lbImplAlone_buildsABalancerAndChoosesOnTheModulePath() throws Exception {
    String modulePath = modulePath("lb4j.core-module-path");
    assertEquals(
        3,
        modulePath.split(File.pathSeparator).length,
        "lb-impl, lb-api, slf4j-api: " + modulePath);

    Run run = compileAndRun("app.core", modulePath);

    assertEquals(0, run.exit, run.toString());
    assertEquals(
        List.of("chose http://127.0.0.1:9 then http://127.0.0.2:9", "closed"),
        run.stdout.lines().toList(),
        run.toString());
  }

  @Test
  void everyPublishedModule_worksTogetherOnTheModulePath() throws Exception {
    Run run = compileAndRun("app.full", modulePath("lb4j.full-module-path"));

    assertEquals(0, run.exit, run.toString());
    assertEquals(
        List.of(
            "chose http://127.0.0.1:9; dns-srv:_http._tcp.workers.test; 1 interceptor",
            "LoadBalancedHttpClient(workers -> full)",
            "closed"),
        run.stdout.lines().toList(),
        run.toString());
  }

  /** The module path Maven wrote for this test, from the file a system property names. */
  private static String modulePath(String property) throws IOException {
    String file = System.getProperty(property);
    if (file == null) {
      throw new IllegalStateException(property + " is not set: run this test through Maven");
    }
    return Files.readString(Path.of(file), StandardCharsets.UTF_8).strip();
  }

  private Run compileAndRun(String app, String modulePath) throws Exception {
    Path sources = APPS.resolve(app);
    Path classes = out.resolve(app);
    List<String> args =
        new ArrayList<>(
            List.of("--release", "17", "--module-path", modulePath, "-d", classes.toString()));
    try (Stream<Path> files = Files.walk(sources)) {
      files.filter(f -> f.toString().endsWith(".java")).map(Path::toString).forEach(args::add);
    }
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
    int compiled = javac.run(null, diagnostics, diagnostics, args.toArray(String[]::new));
    assertEquals(0, compiled, "javac " + String.join(" ", args) + "\n" + diagnostics);

    Path stdout = out.resolve(app + ".out");
    Path stderr = out.resolve(app + ".err");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process process =
        new ProcessBuilder(
                java,
                "--module-path",
                modulePath + File.pathSeparator + classes,
                "-m",
                app + "/" + app + ".Main")
            .redirectOutput(stdout.toFile())
            .redirectError(stderr.toFile())
            .start();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError(
          app + " did not exit within 60 s; stderr:\n" + Files.readString(stderr));
    }
    return new Run(process.exitValue(), Files.readString(stdout), Files.readString(stderr));
  }

  private record Run(int exit, String stdout, String stderr) {
    @Override
    public String toString() {
      return "exit " + exit + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
    }
  }
}
