package io.canarybalancer.balancer.proxy;

/**
 * The user event that tells a client connection the balancer is shutting down: finish the exchange
 * in flight (its response says {@code Connection: close}), take no new request, close when idle.
 */
enum Drain {
    INSTANCE
}
