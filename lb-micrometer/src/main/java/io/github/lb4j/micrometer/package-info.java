/**
 * Micrometer meters for lb4j balancers: {@link io.github.lb4j.micrometer.BalancerMetrics}.
 *
 * <p>Unless a parameter is documented as nullable, {@code null} is rejected with a {@link
 * java.lang.NullPointerException} naming the parameter.
 */
package io.github.lb4j.micrometer;
