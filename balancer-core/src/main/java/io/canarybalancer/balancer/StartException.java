package io.canarybalancer.balancer;

import io.canarybalancer.balancer.config.BalancerConfig;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * Start-up failed for a reason outside the configuration file, phrased in one line for the operator:
 * what could not be done (the field and address at fault) and why. Everything already started has
 * been stopped when this is thrown.
 */
public final class StartException extends Exception {

    StartException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * A listener could not bind: {@code listen 127.0.0.1:48151: Address already in use}, plus what
     * holds the port when that is not another listener.
     */
    static StartException cannotListen(String field, InetSocketAddress address, IOException cause) {
        String reason = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        // The epoll transport says "bind(..) failed with error(-98): Address already in use", NIO only the reason.
        reason = reason.replaceFirst("^bind\\(\\.\\.\\) failed( with error\\(-?\\d+\\))?: ", "");
        return new StartException(field + " " + BalancerConfig.format(address) + ": " + reason
                + PortHolders.explain(address.getPort()), cause);
    }
}
