package io.canarybalancer.balancer;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The balancer's version, as the build wrote it into {@code balancer-version.properties}: shown by
 * {@code --version} and in the admin API's status. It lives with the library, beside the file, so an
 * embedded balancer reports it too.
 */
final class BalancerVersion {
    private BalancerVersion() {
    }

    /** The version, or "unknown" when the file is missing or unreadable (a build outside Maven). */
    static String current() {
        try (InputStream in = BalancerVersion.class.getResourceAsStream("/balancer-version.properties")) {
            Properties properties = new Properties();
            if (in != null) {
                properties.load(in);
            }
            return properties.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
