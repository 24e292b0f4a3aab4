package io.github.lb4j.docs;

import io.github.lb4j.Balancer;
import io.github.lb4j.Endpoint;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The names a documentation snippet may use without declaring them, because the text around it says
 * what they are: the balancer the README builds first, a scheduler, and "your HTTP call" in its
 * blocking and asynchronous forms. Everything else a snippet uses it must declare or import itself.
 */
public abstract class SnippetContext {

  /** The balancer built in the quick start. */
  protected Balancer balancer;

  /** Any scheduler of the application's. */
  protected ScheduledExecutorService scheduler;

  /**
   * The application's own HTTP call.
   *
   * @param target the URL to call
   * @return the response status
   */
  protected int send(URI target) {
    return 200;
  }

  /**
   * The application's own asynchronous call.
   *
   * @param endpoint where to send it
   * @param input what to send
   * @param <T> the type of the input
   * @param <R> the type of the result
   * @return the result, when it comes
   */
  protected <T, R> CompletableFuture<R> fetch(Endpoint endpoint, T input) {
    return new CompletableFuture<>();
  }

  /**
   * The application's own estimate of what a task costs, for scatter-gather's order and hedging.
   *
   * @param input the task's input
   * @return the estimated cost, at least 1
   */
  protected long estimate(Object input) {
    return 1;
  }
}
