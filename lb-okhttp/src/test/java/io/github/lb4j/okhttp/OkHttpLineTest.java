package io.github.lb4j.okhttp;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import okhttp3.OkHttp;
import org.junit.jupiter.api.Test;

/**
 * Pins the OkHttp line these tests run against, so that neither build of them (OkHttp 4 here,
 * OkHttp 5 in lb-okhttp5-test) can drift to the other line unnoticed.
 */
final class OkHttpLineTest {

  @Test
  void runtimeOkHttp_isTheLineThisBuildTests() throws ReflectiveOperationException {
    String expected = System.getProperty("lb4j.okhttp.line");
    assertNotNull(expected, "lb4j.okhttp.line (expected: set by the build, e.g. 4)");
    // Read at run time: the constant would be inlined from the compile-time jar.
    String version = (String) OkHttp.class.getField("VERSION").get(null);

    assertTrue(
        version.startsWith(expected + "."),
        "OkHttp " + version + " (expected: " + expected + ".x)");
  }
}
