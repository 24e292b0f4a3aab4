package io.github.lb4j.scatter;

import io.github.lb4j.Endpoint;
import java.util.List;
import java.util.Objects;

/**
 * The failure of a scatter-gather batch: one or more tasks failed after all their attempts. The
 * message names each failed task (index and key) and, for each of its attempts, the endpoint and
 * what went wrong; {@link #failures()} has the same as data.
 *
 * <p>The results of the tasks that did complete are not kept: a batch is all or nothing.
 */
public final class ScatterGatherException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** How many failed tasks the message lists in full; {@link #failures()} has all of them. */
  static final int MESSAGE_LIMIT = 20;

  private final transient List<TaskFailure> failures;

  /** The number of tasks in the batch. */
  private final int total;

  ScatterGatherException(List<TaskFailure> failures, int total) {
    super(message(failures, total));
    this.failures = List.copyOf(failures);
    this.total = total;
  }

  /**
   * The tasks that failed, in task order.
   *
   * @return the failed tasks
   */
  public List<TaskFailure> failures() {
    return failures;
  }

  /**
   * The number of tasks in the batch.
   *
   * @return the batch's size
   */
  public int total() {
    return total;
  }

  private static String message(List<TaskFailure> failures, int total) {
    StringBuilder sb =
        new StringBuilder()
            .append(failures.size())
            .append(" of ")
            .append(total)
            .append(" tasks failed");
    int shown = 0;
    for (TaskFailure f : failures) {
      if (shown++ == MESSAGE_LIMIT) {
        sb.append("; and ").append(failures.size() - MESSAGE_LIMIT).append(" more");
        break;
      }
      sb.append("; ").append(f);
    }
    return sb.toString();
  }

  /**
   * A task that failed after all its attempts.
   *
   * @param index its position in the batch
   * @param key its affinity key, or {@code null}
   * @param attempts each failed attempt, in the order they failed
   */
  public record TaskFailure(int index, String key, List<AttemptFailure> attempts) {

    /**
     * Checks and copies the components.
     *
     * @param index its position in the batch
     * @param key its affinity key, or {@code null}
     * @param attempts each failed attempt, in order
     */
    public TaskFailure {
      attempts = List.copyOf(attempts);
    }

    @Override
    public String toString() {
      StringBuilder sb = new StringBuilder("task ").append(index);
      if (key != null) {
        sb.append(" (key '").append(key).append("')");
      }
      sb.append(": ");
      for (int i = 0; i < attempts.size(); i++) {
        if (i > 0) {
          sb.append(", ");
        }
        sb.append("attempt ").append(i + 1).append(' ').append(attempts.get(i));
      }
      return sb.toString();
    }
  }

  /**
   * One failed attempt.
   *
   * @param endpoint where it was sent, or {@code null} when the balancer had no endpoint for it
   * @param cause what went wrong
   */
  public record AttemptFailure(Endpoint endpoint, Throwable cause) {

    /**
     * Checks the components.
     *
     * @param endpoint where it was sent, or {@code null}
     * @param cause what went wrong
     */
    public AttemptFailure {
      Objects.requireNonNull(cause, "cause");
    }

    @Override
    public String toString() {
      String what =
          cause.getMessage() == null
              ? cause.getClass().getSimpleName()
              : cause.getClass().getSimpleName() + ": " + cause.getMessage();
      return (endpoint == null ? "(no endpoint)" : "on " + endpoint.id()) + " failed: " + what;
    }
  }
}
