package io.canarybalancer.consuldouble.endpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.canarybalancer.consuldouble.agent.DoubleConfig;
import io.canarybalancer.consuldouble.catalog.HealthEntry;
import io.canarybalancer.consuldouble.catalog.NodeEntry;
import io.canarybalancer.consuldouble.catalog.RegisteredCheck;
import io.canarybalancer.consuldouble.catalog.RegisteredService;
import io.canarybalancer.consuldouble.http.GoDuration;
import io.canarybalancer.consuldouble.kv.KvEntry;

import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Builds Consul's JSON shapes (health entries, agent maps, KV entries) field by field, in Consul's field
 * order, so that strict client models (the kiwiproject client rejects a missing {@code Service.Address}
 * or a {@code TaggedAddresses} without {@code wan}) deserialise them exactly as they would the real thing.
 */
public final class JsonRenderer {

    static final String CONSUL_VERSION = "1.21.4";

    private final ObjectMapper mapper;

    public JsonRenderer(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    byte[] bytes(JsonNode node, boolean pretty) {
        try {
            return pretty ? mapper.writerWithDefaultPrettyPrinter().writeValueAsBytes(node) : mapper.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- health ------------------------------------------------------------------------------------

    ArrayNode health(List<HealthEntry> entries, String datacenter) {
        ArrayNode array = mapper.createArrayNode();
        for (HealthEntry entry : entries) {
            ObjectNode element = array.addObject();
            element.set("Node", node(entry.node(), datacenter));
            element.set("Service", catalogService(entry.service()));
            ArrayNode checks = element.putArray("Checks");
            for (RegisteredCheck check : entry.checks()) {
                checks.add(check(check, check.syncedOutput(), check.isNodeCheck() ? List.of() : entry.service().tags()));
            }
        }
        return array;
    }

    private ObjectNode node(NodeEntry node, String datacenter) {
        ObjectNode out = mapper.createObjectNode();
        out.put("ID", node.id());
        out.put("Node", node.name());
        out.put("Address", node.address());
        out.put("Datacenter", datacenter);
        ObjectNode tagged = out.putObject("TaggedAddresses");
        tagged.put("lan", node.address());
        tagged.put(isIpv6(node.address()) ? "lan_ipv6" : "lan_ipv4", node.address());
        tagged.put("wan", node.address());
        tagged.put(isIpv6(node.address()) ? "wan_ipv6" : "wan_ipv4", node.address());
        ObjectNode meta = out.putObject("Meta");
        meta.put("consul-network-segment", "");
        meta.put("consul-version", CONSUL_VERSION);
        out.put("CreateIndex", node.createIndex());
        out.put("ModifyIndex", node.modifyIndex());
        return out;
    }

    private ObjectNode catalogService(RegisteredService s) {
        ObjectNode out = mapper.createObjectNode();
        out.put("ID", s.id());
        out.put("Service", s.name());
        tags(out, s.tags());
        out.put("Address", s.address());
        serviceTaggedAddresses(out, s);
        meta(out, s.meta(), true);
        out.put("Port", s.port());
        weights(out, s);
        out.put("EnableTagOverride", s.enableTagOverride());
        ObjectNode proxy = out.putObject("Proxy");
        proxy.put("Mode", "");
        proxy.putObject("MeshGateway");
        proxy.putObject("Expose");
        out.putObject("Connect");
        out.put("PeerName", "");
        out.put("CreateIndex", s.createIndex());
        out.put("ModifyIndex", s.modifyIndex());
        return out;
    }

    private ObjectNode check(RegisteredCheck c, String output, List<String> serviceTags) {
        ObjectNode out = mapper.createObjectNode();
        out.put("Node", c.node());
        out.put("CheckID", c.checkId());
        out.put("Name", c.name());
        out.put("Status", c.status());
        out.put("Notes", c.notes());
        out.put("Output", output);
        out.put("ServiceID", c.serviceId());
        out.put("ServiceName", c.serviceName());
        tags(out, serviceTags, "ServiceTags");
        out.put("Type", c.type());
        out.put("Interval", goDuration(c.interval()));
        out.put("Timeout", goDuration(c.timeout()));
        out.put("ExposedPort", 0);
        out.putObject("Definition");
        out.put("CreateIndex", c.createIndex());
        out.put("ModifyIndex", c.modifyIndex());
        return out;
    }

    // ---- agent -------------------------------------------------------------------------------------

    /** {@code GET /v1/agent/services}: map of ID to service; Tags and Meta are never null here. */
    ObjectNode agentServices(List<RegisteredService> services, String datacenter) {
        ObjectNode out = mapper.createObjectNode();
        for (RegisteredService s : services) {
            out.set(s.id(), agentService(s, datacenter, null));
        }
        return out;
    }

    ObjectNode agentService(RegisteredService s, String datacenter, String contentHash) {
        ObjectNode out = mapper.createObjectNode();
        out.put("ID", s.id());
        out.put("Service", s.name());
        tags(out, s.tags());
        meta(out, s.meta(), false);
        out.put("Port", s.port());
        out.put("Address", s.address());
        serviceTaggedAddresses(out, s);
        weights(out, s);
        out.put("EnableTagOverride", s.enableTagOverride());
        if (contentHash != null) {
            out.put("ContentHash", contentHash);
        }
        out.put("Datacenter", datacenter);
        return out;
    }

    /** {@code GET /v1/agent/checks}: map of check ID to check, with the agent's latest output. */
    ObjectNode agentChecks(List<RegisteredCheck> checks, Function<String, List<String>> tagsOfService) {
        ObjectNode out = mapper.createObjectNode();
        for (RegisteredCheck c : checks) {
            out.set(c.checkId(), check(c, c.output(), c.isNodeCheck() ? List.of() : tagsOfService.apply(c.serviceId())));
        }
        return out;
    }

    ObjectNode agentSelf(DoubleConfig config, String nodeId) {
        ObjectNode out = mapper.createObjectNode();
        ObjectNode cfg = out.putObject("Config");
        cfg.put("Datacenter", config.datacenter());
        cfg.put("PrimaryDatacenter", config.datacenter());
        cfg.put("NodeName", config.nodeName());
        cfg.put("NodeID", nodeId);
        cfg.put("Revision", "consul-double");
        cfg.put("Server", true);
        cfg.put("Version", CONSUL_VERSION);
        ObjectNode member = out.putObject("Member");
        member.put("Name", config.nodeName());
        member.put("Addr", config.nodeAddress());
        member.put("Port", 8301);
        ObjectNode tags = member.putObject("Tags");
        tags.put("dc", config.datacenter());
        tags.put("role", "consul");
        tags.put("build", CONSUL_VERSION);
        member.put("Status", 1);
        member.put("ProtocolMin", 1);
        member.put("ProtocolMax", 5);
        member.put("ProtocolCur", 2);
        member.put("DelegateMin", 2);
        member.put("DelegateMax", 5);
        member.put("DelegateCur", 4);
        ObjectNode meta = out.putObject("Meta");
        meta.put("consul-network-segment", "");
        meta.put("consul-version", CONSUL_VERSION);
        return out;
    }

    // ---- KV ----------------------------------------------------------------------------------------

    ArrayNode kvEntries(List<KvEntry> entries) {
        ArrayNode array = mapper.createArrayNode();
        for (KvEntry e : entries) {
            ObjectNode out = array.addObject();
            out.put("LockIndex", e.lockIndex());
            out.put("Key", e.key());
            out.put("Flags", e.flags());
            byte[] value = e.value();
            if (value.length == 0) {
                out.putNull("Value");
            } else {
                out.put("Value", Base64.getEncoder().encodeToString(value));
            }
            out.put("CreateIndex", e.createIndex());
            out.put("ModifyIndex", e.modifyIndex());
        }
        return array;
    }

    ArrayNode strings(List<String> values) {
        ArrayNode array = mapper.createArrayNode();
        values.forEach(array::add);
        return array;
    }

    JsonNode string(String value) {
        return mapper.getNodeFactory().textNode(value);
    }

    // ---- shared pieces -----------------------------------------------------------------------------

    private static void tags(ObjectNode out, List<String> tags) {
        tags(out, tags, "Tags");
    }

    private static void tags(ObjectNode out, List<String> tags, String field) {
        ArrayNode array = out.putArray(field);
        tags.forEach(array::add);
    }

    private static void meta(ObjectNode out, Map<String, String> meta, boolean nullWhenAbsent) {
        if (meta == null && nullWhenAbsent) {
            out.putNull("Meta");
            return;
        }
        ObjectNode node = out.putObject("Meta");
        if (meta != null) {
            meta.forEach(node::put);
        }
    }

    private static void weights(ObjectNode out, RegisteredService s) {
        ObjectNode weights = out.putObject("Weights");
        weights.put("Passing", s.weightsPassing());
        weights.put("Warning", s.weightsWarning());
    }

    /** Consul adds lan/wan tagged addresses for a service only when it registered an IP address. */
    private static void serviceTaggedAddresses(ObjectNode out, RegisteredService s) {
        String address = s.address();
        boolean ipv4 = address.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        if (!ipv4 && !isIpv6(address)) {
            return;
        }
        String suffix = ipv4 ? "ipv4" : "ipv6";
        ObjectNode tagged = out.putObject("TaggedAddresses");
        for (String prefix : List.of("lan_", "wan_")) {
            ObjectNode entry = tagged.putObject(prefix + suffix);
            entry.put("Address", address);
            entry.put("Port", s.port());
        }
    }

    /** The agent parses check durations and prints them back in Go's form: {@code 60s} reads as {@code 1m0s}. */
    private static String goDuration(String asRegistered) {
        if (asRegistered.isEmpty()) {
            return "";
        }
        try {
            return GoDuration.format(GoDuration.parse(asRegistered));
        } catch (IllegalArgumentException e) {
            return asRegistered;
        }
    }

    private static boolean isIpv6(String address) {
        return address.contains(":");
    }
}
