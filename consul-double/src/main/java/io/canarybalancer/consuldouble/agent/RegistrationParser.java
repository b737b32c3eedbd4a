package io.canarybalancer.consuldouble.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.canarybalancer.consuldouble.catalog.CheckSpec;
import io.canarybalancer.consuldouble.catalog.ServiceSpec;
import io.canarybalancer.consuldouble.http.ApiError;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads agent registration bodies the way Consul's Go decoder does: keys match case-insensitively
 * ({@code Id}, {@code ID}, {@code id}), snake_case is accepted ({@code deregister_critical_service_after}),
 * explicit {@code null}s mean "absent", and both {@code Check} and {@code Checks} are honoured. Map
 * contents ({@code Meta}) keep their keys verbatim.
 */
public final class RegistrationParser {

    private final ObjectMapper mapper;

    public RegistrationParser(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** Parses a {@code PUT /v1/agent/service/register} body. */
    public ServiceSpec parseService(byte[] body) {
        Fields fields = fieldsOf(readObject(body));
        ServiceSpec spec = ServiceSpec.unnamed(fields.text("Name"));
        spec.id(fields.text("ID"));
        spec.tags(fields.stringList("Tags"));
        spec.address(fields.text("Address"));
        spec.port((int) fields.number("Port", 0));
        spec.meta(fields.stringMap("Meta"));
        spec.enableTagOverride(fields.bool("EnableTagOverride"));
        JsonNode weights = fields.get("Weights");
        if (weights != null) {
            Fields w = fieldsOf(weights);
            spec.weights((int) w.number("Passing", 0), (int) w.number("Warning", 0));
        }
        JsonNode single = fields.get("Check");
        if (single != null) {
            spec.check(parseCheckDefinition(fieldsOf(single)));
        }
        JsonNode many = fields.get("Checks");
        if (many != null) {
            if (!many.isArray()) {
                throw decodeFailed("Checks must be an array");
            }
            for (JsonNode check : many) {
                if (!check.isNull()) {
                    spec.check(parseCheckDefinition(fieldsOf(check)));
                }
            }
        }
        return spec;
    }

    /** Parses a {@code PUT /v1/agent/check/register} body. */
    public CheckSpec parseCheck(byte[] body) {
        Fields fields = fieldsOf(readObject(body));
        CheckSpec spec = parseCheckDefinition(fields);
        spec.serviceId(fields.text("ServiceID"));
        return spec;
    }

    /** Parses a {@code PUT /v1/agent/check/update/:id} body into {@code [status, output]}. */
    public String[] parseCheckUpdate(byte[] body) {
        Fields fields = fieldsOf(readObject(body));
        return new String[] {fields.text("Status"), fields.text("Output")};
    }

    private CheckSpec parseCheckDefinition(Fields f) {
        String type;
        if (!f.text("TTL").isEmpty()) {
            type = "ttl";
        } else if (!f.text("HTTP").isEmpty()) {
            type = "http";
        } else if (!f.text("TCP").isEmpty()) {
            type = "tcp";
        } else if (!f.text("GRPC").isEmpty()) {
            type = "grpc";
        } else if (!f.stringList("Args").isEmpty() || !f.stringList("ScriptArgs").isEmpty()) {
            type = "script";
        } else if (!f.text("AliasService").isEmpty() || !f.text("AliasNode").isEmpty()) {
            type = "alias";
        } else {
            type = "";
        }
        List<String> args = f.stringList("Args").isEmpty() ? f.stringList("ScriptArgs") : f.stringList("Args");
        String id = f.text("CheckID").isEmpty() ? f.text("ID") : f.text("CheckID");
        return CheckSpec.ofType(type)
                .id(id.isEmpty() ? null : id)
                .name(f.text("Name").isEmpty() ? null : f.text("Name"))
                .notes(f.text("Notes"))
                .status(f.text("Status").isEmpty() ? null : f.text("Status"))
                .ttlValue(f.text("TTL"))
                .httpValue(f.text("HTTP"))
                .tcpValue(f.text("TCP"))
                .grpcValue(f.text("GRPC"))
                .argsValue(args)
                .interval(f.text("Interval"))
                .timeout(f.text("Timeout"))
                .deregisterCriticalServiceAfter(f.text("DeregisterCriticalServiceAfter"));
    }

    private JsonNode readObject(byte[] body) {
        if (body.length == 0) {
            throw decodeFailed("EOF");
        }
        try {
            JsonNode node = mapper.readTree(body);
            if (node == null || !node.isObject()) {
                throw decodeFailed("body must be a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw decodeFailed(e.getOriginalMessage());
        } catch (IOException e) {
            throw decodeFailed(e.getMessage());
        }
    }

    private static Fields fieldsOf(JsonNode node) {
        if (!node.isObject()) {
            throw decodeFailed("expected a JSON object");
        }
        return new Fields((ObjectNode) node);
    }

    private static ApiError decodeFailed(String why) {
        return ApiError.badRequest("Request decode failed: " + why);
    }

    /** Case- and underscore-insensitive view of a JSON object; explicit nulls read as absent. */
    private static final class Fields {
        private final Map<String, JsonNode> byNormalisedKey = new HashMap<>();

        Fields(ObjectNode node) {
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                if (!e.getValue().isNull()) {
                    byNormalisedKey.put(normalise(e.getKey()), e.getValue());
                }
            }
        }

        JsonNode get(String key) {
            return byNormalisedKey.get(normalise(key));
        }

        String text(String key) {
            JsonNode v = get(key);
            if (v == null) {
                return "";
            }
            if (!v.isTextual()) {
                throw decodeFailed(key + " must be a string");
            }
            return v.asText();
        }

        long number(String key, long fallback) {
            JsonNode v = get(key);
            if (v == null) {
                return fallback;
            }
            if (!v.isIntegralNumber()) {
                throw decodeFailed(key + " must be an integer");
            }
            return v.asLong();
        }

        boolean bool(String key) {
            JsonNode v = get(key);
            if (v == null) {
                return false;
            }
            if (!v.isBoolean()) {
                throw decodeFailed(key + " must be a boolean");
            }
            return v.asBoolean();
        }

        List<String> stringList(String key) {
            JsonNode v = get(key);
            List<String> out = new ArrayList<>();
            if (v == null) {
                return out;
            }
            if (!v.isArray()) {
                throw decodeFailed(key + " must be an array of strings");
            }
            for (JsonNode item : v) {
                if (!item.isTextual()) {
                    throw decodeFailed(key + " must be an array of strings");
                }
                out.add(item.asText());
            }
            return out;
        }

        Map<String, String> stringMap(String key) {
            JsonNode v = get(key);
            if (v == null) {
                return null;
            }
            if (!v.isObject()) {
                throw decodeFailed(key + " must be an object of strings");
            }
            Map<String, String> out = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : v.properties()) {
                if (!e.getValue().isTextual()) {
                    throw decodeFailed(key + " values must be strings");
                }
                out.put(e.getKey(), e.getValue().asText());
            }
            return out;
        }

        private static String normalise(String key) {
            return key.replace("_", "").toLowerCase(Locale.ROOT);
        }
    }
}
