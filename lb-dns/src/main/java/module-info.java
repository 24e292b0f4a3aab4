/**
 * DNS discovery for lb4j: {@link io.github.lb4j.dns.DnsDiscovery} builds endpoint sources over
 * A/AAAA and SRV records with dnsjava, on lb-impl's polling-source SPI.
 */
module io.github.lb4j.dns {
  // EndpointSource, SourceKind and Discovery appear in this module's signatures.
  requires transitive io.github.lb4j.impl;
  requires org.dnsjava;

  exports io.github.lb4j.dns;
}
