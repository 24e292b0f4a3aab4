package io.github.lb4j.example;

/** A render that could not complete; the message says which tiles failed and why. */
final class RenderException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  RenderException(String message, Throwable cause) {
    super(message, cause);
  }
}
