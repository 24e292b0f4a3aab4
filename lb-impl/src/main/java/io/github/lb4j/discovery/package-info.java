/**
 * Endpoint discovery: sources of endpoint sets that keep a balancer's membership up to date.
 *
 * <p>{@link io.github.lb4j.discovery.Discovery} builds the built-in sources (a fixed list, DNS A/AAAA,
 * DNS SRV, a file) and binds any {@link io.github.lb4j.discovery.EndpointSource} to a balancer. The
 * DNS sources need {@code dnsjava:dnsjava} on the class path, which lb4j declares as an optional
 * dependency.
 */
package io.github.lb4j.discovery;
