package io.canarybalancer.api;

/**
 * A balancer could not be configured, started or changed: the message says what and why in one
 * line (for a configuration file: the file, the field and the reason).
 */
public final class BalancerException extends Exception {

    BalancerException(String message, Throwable cause) {
        super(message, cause);
    }
}
