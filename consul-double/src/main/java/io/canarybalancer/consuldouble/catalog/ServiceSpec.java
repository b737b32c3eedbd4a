package io.canarybalancer.consuldouble.catalog;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A service registration, built by a test ({@code ServiceSpec.instance("web-1", "web").port(8080).passing()})
 * or parsed from an agent registration body. Passed to
 * {@link io.canarybalancer.consuldouble.ConsulDouble#register(ServiceSpec)}.
 */
public final class ServiceSpec {

    private String id;
    private final String name;
    private final List<String> tags = new ArrayList<>();
    private String address = "";
    private int port;
    private Map<String, String> meta;
    private Integer weightsPassing;
    private Integer weightsWarning;
    private boolean enableTagOverride;
    private final List<CheckSpec> checks = new ArrayList<>();
    private String nodeName;
    private String nodeAddress;

    private ServiceSpec(String name) {
        this.name = name;
    }

    /** A registration of {@code name} whose ID defaults to the name. */
    public static ServiceSpec of(String name) {
        return new ServiceSpec(Objects.requireNonNull(name, "name"));
    }

    /** A registration with an explicit instance ID. */
    public static ServiceSpec instance(String id, String name) {
        return of(name).id(id);
    }

    public static ServiceSpec unnamed(String name) {
        return new ServiceSpec(name);
    }

    public ServiceSpec id(String serviceId) {
        this.id = serviceId;
        return this;
    }

    public ServiceSpec tags(String... serviceTags) {
        return tags(Arrays.asList(serviceTags));
    }

    public ServiceSpec tags(List<String> serviceTags) {
        this.tags.clear();
        this.tags.addAll(serviceTags);
        return this;
    }

    /** Service address; {@code ""} (the default) makes clients fall back to the node address. */
    public ServiceSpec address(String serviceAddress) {
        this.address = serviceAddress == null ? "" : serviceAddress;
        return this;
    }

    public ServiceSpec port(int servicePort) {
        this.port = servicePort;
        return this;
    }

    public ServiceSpec meta(String key, String value) {
        if (meta == null) {
            meta = new LinkedHashMap<>();
        }
        meta.put(key, value);
        return this;
    }

    /** Replaces all metadata; {@code null} means "no Meta" (rendered as {@code null}, as Consul does). */
    public ServiceSpec meta(Map<String, String> serviceMeta) {
        this.meta = serviceMeta == null ? null : new LinkedHashMap<>(serviceMeta);
        return this;
    }

    public ServiceSpec weights(int passing, int warning) {
        this.weightsPassing = passing;
        this.weightsWarning = warning;
        return this;
    }

    public ServiceSpec enableTagOverride(boolean enable) {
        this.enableTagOverride = enable;
        return this;
    }

    public ServiceSpec check(CheckSpec check) {
        this.checks.add(Objects.requireNonNull(check, "check"));
        return this;
    }

    /** Places the instance on another node (created on first use, with a passing {@code serfHealth}). */
    public ServiceSpec node(String name, String address) {
        this.nodeName = Objects.requireNonNull(name, "name");
        this.nodeAddress = Objects.requireNonNull(address, "address");
        return this;
    }

    /** Adds the default check {@code service:<id>} as a {@link CheckSpec#manual() manual} check, passing. */
    public ServiceSpec passing() {
        return check(CheckSpec.manual().status(CheckStatus.PASSING));
    }

    /** Adds the default check {@code service:<id>} as a manual check, warning. */
    public ServiceSpec warning() {
        return check(CheckSpec.manual().status(CheckStatus.WARNING));
    }

    /** Adds the default check {@code service:<id>} as a manual check, critical. */
    public ServiceSpec critical() {
        return check(CheckSpec.manual().status(CheckStatus.CRITICAL));
    }

    public String id() {
        return id == null || id.isEmpty() ? name : id;
    }

    public String name() {
        return name;
    }

    public List<String> tags() {
        return List.copyOf(tags);
    }

    public String address() {
        return address;
    }

    public int port() {
        return port;
    }

    public Map<String, String> meta() {
        return meta;
    }

    public Integer weightsPassing() {
        return weightsPassing;
    }

    public Integer weightsWarning() {
        return weightsWarning;
    }

    public boolean enableTagOverrideValue() {
        return enableTagOverride;
    }

    public List<CheckSpec> checks() {
        return List.copyOf(checks);
    }

    public String nodeName() {
        return nodeName;
    }

    public String nodeAddress() {
        return nodeAddress;
    }
}
