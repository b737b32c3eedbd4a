/**
 * The HTTP/1.1 wire format as the proxy reads it in place, from the received bytes: head scanning
 * and body framing. Internal to the balancer.
 */
package io.canarybalancer.balancer.proxy.http1;
