/**
 * Endpoint discovery: sources of endpoint sets that keep a balancer's membership up to date.
 *
 * <p>{@link io.github.lb4j.discovery.Discovery} builds the built-in sources (a fixed list, a file)
 * and binds any {@link io.github.lb4j.discovery.EndpointSource} to a balancer. The module {@code
 * lb-dns} adds DNS A/AAAA and SRV sources on the service-provider interface here: {@link
 * io.github.lb4j.discovery.PollingSource} runs a source that looks again and again, and {@link
 * io.github.lb4j.discovery.SourceKind} adds a form to {@link
 * io.github.lb4j.discovery.Discovery#parse(String, java.util.List)}.
 */
package io.github.lb4j.discovery;
