/**
 * HTTP/2 requests as the proxy reads and forwards them: a stream's header fields seen by routing,
 * checked, and written for an HTTP/1.1 or HTTP/2 backend. Internal to the balancer.
 */
package io.canarybalancer.balancer.proxy.http2;
