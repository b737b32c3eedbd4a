/**
 * The Netty side: the listener, the per-connection handler (decode, record, apply faults, route), parked
 * blocking queries and hung requests, the response writer, and the {@link
 * io.canarybalancer.consuldouble.server.RequestRecorder} tests read through the double's {@code requests()}.
 * Internal apart from that recorder.
 */
package io.canarybalancer.consuldouble.server;
