/**
 * The lb4j API: {@link io.github.lb4j.Balancer}, its value types and its service-provider
 * interfaces.
 *
 * <p>This package depends on the JDK only. Implementations live in {@code lb-impl} ({@code
 * io.github.lb4j.core}). Unless a parameter or return value is documented as nullable, {@code null}
 * is rejected with a {@link java.lang.NullPointerException} naming the parameter.
 */
package io.github.lb4j;
