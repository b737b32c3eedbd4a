/**
 * JMH benchmarks of the proxy's in-place HTTP/1.1 head reading: the per-request work between the
 * received bytes and routing, and the head written for the backend. They use the balancer's
 * {@code proxy.http1} classes directly, as the proxy's handlers do.
 */
package io.canarybalancer.bench.http1;
