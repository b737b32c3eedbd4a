package io.canarybalancer.balancer.discovery;

import io.canarybalancer.balancer.config.yaml.ConfigException;
import io.canarybalancer.balancer.config.yaml.ConfigNode;
import io.canarybalancer.balancer.route.Replica;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The replica file format: service names mapping to their instances.
 * <pre>
 * service-v1:
 *   - {address: 127.0.0.1, port: 9001, tags: [message]}
 *   - {address: 127.0.0.1, port: 9002, tags: [message], weight: 2}
 * service-v2:
 *   - {address: 127.0.0.1, port: 9004, tags: [message], id: canary-1}
 * </pre>
 * {@code id} defaults to {@code address:port}, {@code weight} to 1, {@code tags} to none.
 */
public final class ReplicaFile {
    private static final Set<String> INSTANCE_FIELDS = Set.of("address", "port", "tags", "weight", "id");

    private ReplicaFile() {
    }

    /** Reads and validates the file. */
    public static Catalog read(Path file) throws ConfigException {
        return toCatalog(ConfigNode.read(file));
    }

    /** Validates already-read content of {@code file}. */
    public static Catalog parse(Path file, byte[] content) throws ConfigException {
        return toCatalog(ConfigNode.parse(file, content));
    }

    private static Catalog toCatalog(ConfigNode root) throws ConfigException {
        Map<String, List<ServiceInstance>> services = new LinkedHashMap<>();
        for (Map.Entry<String, ConfigNode> service : root.entries().entrySet()) {
            List<ServiceInstance> instances = new ArrayList<>();
            for (ConfigNode item : service.getValue().items()) {
                ServiceInstance instance = instance(item.requireObject(INSTANCE_FIELDS));
                for (ServiceInstance earlier : instances) {
                    if (earlier.id().equals(instance.id())) {
                        throw item.error("duplicate replica id '" + instance.id() + "' in " + service.getKey());
                    }
                }
                instances.add(instance);
            }
            services.put(service.getKey(), instances);
        }
        return new Catalog(services);
    }

    private static ServiceInstance instance(ConfigNode item) throws ConfigException {
        String address = item.requiredString("address");
        String addressProblem = AddressSyntax.problem(address);
        if (addressProblem != null) {
            throw item.get("address").error(addressProblem);
        }
        int port = item.integer("port", -1, 1, 65535);
        if (port < 0) {
            throw item.get("port").error("is required");
        }
        int weight = item.integer("weight", 1, 1, Replica.MAX_WEIGHT);
        List<String> tags = new ArrayList<>();
        for (ConfigNode tag : item.get("tags").items()) {
            tags.add(tag.text());
        }
        String id = item.string("id", address + ":" + port);
        return new ServiceInstance(id, address, port, tags, weight);
    }
}
