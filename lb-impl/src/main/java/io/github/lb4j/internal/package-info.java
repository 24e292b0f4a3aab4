/**
 * Not API: helpers that lb4j's own modules share (argument checks, the common part of the HTTP
 * health probes). The module descriptor exports this package only to lb4j's modules; on the class
 * path it is visible, but it may change in any release without notice. Do not use it.
 */
package io.github.lb4j.internal;
