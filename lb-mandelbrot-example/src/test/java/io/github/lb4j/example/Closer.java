package io.github.lb4j.example;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What a test opens, closed in reverse order after it (after the test's own {@code @AfterEach}
 * methods, so those can release what a server is blocked on first). Register it with
 * {@code @RegisterExtension}.
 */
final class Closer implements AfterEachCallback {
  private final List<AutoCloseable> open = new ArrayList<>();

  /** {@code c}, to be closed after the test. */
  <T extends AutoCloseable> T add(T c) {
    open.add(c);
    return c;
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    try {
      for (int i = open.size() - 1; i >= 0; i--) {
        open.get(i).close();
      }
    } finally {
      open.clear();
    }
  }
}
