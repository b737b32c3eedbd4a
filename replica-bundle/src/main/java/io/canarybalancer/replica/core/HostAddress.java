package io.canarybalancer.replica.core;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Finds the address other hosts reach this one at, without sending anything: the first IPv4 address of
 * an interface that is up and not a loopback, preferring private-range ones (the usual case in a
 * container or a LAN). Falls back to the host name's address, then to 127.0.0.1 on a machine that has
 * nothing else.
 */
public final class HostAddress {

    private HostAddress() {
    }

    /** @return this host's address as other hosts on its network see it */
    public static String detect() {
        return fromInterfaces().or(HostAddress::fromHostName).orElse("127.0.0.1");
    }

    private static Optional<String> fromInterfaces() {
        try {
            List<InetAddress> candidates = Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                    .filter(HostAddress::usable)
                    .flatMap(nic -> Collections.list(nic.getInetAddresses()).stream())
                    .filter(address -> address instanceof Inet4Address)
                    .filter(address -> !address.isLoopbackAddress() && !address.isLinkLocalAddress())
                    .sorted(Comparator.comparing(address -> address.isSiteLocalAddress() ? 0 : 1))
                    .toList();
            return candidates.stream().findFirst().map(InetAddress::getHostAddress);
        } catch (SocketException e) {
            return Optional.empty();
        }
    }

    private static boolean usable(NetworkInterface nic) {
        try {
            return nic.isUp() && !nic.isLoopback() && !nic.isVirtual() && !nic.isPointToPoint();
        } catch (SocketException e) {
            return false;
        }
    }

    private static Optional<String> fromHostName() {
        try {
            InetAddress local = InetAddress.getLocalHost();
            return local.isLoopbackAddress() ? Optional.empty() : Optional.of(local.getHostAddress());
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }
}
