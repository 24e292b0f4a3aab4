package io.github.lb4j;

import java.util.List;

/**
 * Builds {@link Picker}s: the service-provider interface for choice strategies.
 *
 * <p>The built-in strategies come from {@code io.github.lb4j.core.Pickers}; implement this
 * interface to plug in your own. A factory instance belongs to one balancer and may hold state that
 * must survive membership changes (a round-robin position, a random generator); do not share one
 * instance between balancers.
 *
 * <p>Threading: {@link #newPicker} is called by the balancer's single writer (never concurrently
 * with itself), off the pick path; the pickers it returns are used by many threads at once.
 */
public interface PickerFactory {

  /** A short name for logs and snapshots, such as {@code "round-robin"}. */
  String name();

  /**
   * Builds a picker over the candidates that may currently be chosen.
   *
   * @param candidates the available candidates in membership order; never empty, never modified
   *     afterwards
   * @return a picker that only ever returns one of {@code candidates} or {@code null}
   */
  Picker newPicker(List<Candidate> candidates);
}
