package io.github.lb4j.example;

import io.github.lb4j.scatter.ScatterGatherException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A render that could not complete; the message is one short line: how many tiles failed and the
 * first few failures, abbreviated. The full list goes to the debug log.
 *
 * <p>Immutable.
 */
final class RenderException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private static final Logger log = LoggerFactory.getLogger(RenderException.class);

  /** Failed tiles named in the message. */
  static final int SHOWN = 3;

  /** The longest one failure's text may be in the message. */
  static final int FAILURE_CHARS = 160;

  RenderException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * The summary of a render that failed with {@code e}, such as a {@link ScatterGatherException}.
   */
  static String summary(Throwable e) {
    if (!(e instanceof ScatterGatherException sge)) {
      String m = e.getMessage();
      return "render failed: " + (m != null ? abbreviate(m) : e.getClass().getSimpleName());
    }
    List<ScatterGatherException.TaskFailure> failures = sge.failures();
    log.debug("render failed: {}", sge.getMessage());
    StringBuilder sb =
        new StringBuilder("render failed: ")
            .append(failures.size())
            .append(" of ")
            .append(sge.total())
            .append(" tiles failed");
    for (int i = 0; i < Math.min(SHOWN, failures.size()); i++) {
      sb.append(i == 0 ? "; first: " : "; ").append(abbreviate(failures.get(i).toString()));
    }
    if (failures.size() > SHOWN) {
      sb.append("; ").append(failures.size() - SHOWN).append(" more in the debug log");
    }
    return sb.toString();
  }

  private static String abbreviate(String s) {
    return s.length() <= FAILURE_CHARS ? s : s.substring(0, FAILURE_CHARS - 3) + "...";
  }
}
