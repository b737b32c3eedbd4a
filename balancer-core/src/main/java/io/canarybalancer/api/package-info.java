/**
 * The public API of Canary Balancer, for programs and test suites that embed the balancer in their
 * own JVM: build one with {@link io.canarybalancer.api.CanaryBalancer#builder()} (or from a YAML
 * file, the same model {@code java -jar balancer.jar --config} reads), start it, steer its
 * rollouts, close it. Nothing here exposes Netty, consul-client or any other internal type; every
 * other package of the library is internal and may change without notice.
 */
package io.canarybalancer.api;
