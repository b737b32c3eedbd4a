/**
 * TLS termination for the proxy's listeners: PEM certificate pairs loaded and checked
 * ({@link io.canarybalancer.balancer.tls.CertificatePair}), chosen per connection by server name
 * ({@link io.canarybalancer.balancer.tls.ServerNames}), reloaded when their files change
 * ({@link io.canarybalancer.balancer.tls.CertificateWatcher}), and the handlers a TLS listener puts in front
 * of the HTTP handler ({@link io.canarybalancer.balancer.tls.TlsTerminator}). Imports Netty and the JDK only.
 */
package io.canarybalancer.balancer.tls;
