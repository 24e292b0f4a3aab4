/**
 * DNS discovery on dnsjava: endpoint sources over A/AAAA and SRV records, refreshed on their TTL,
 * for {@link io.github.lb4j.discovery.Discovery#bind}. Start with {@link
 * io.github.lb4j.dns.DnsDiscovery}.
 */
package io.github.lb4j.dns;
