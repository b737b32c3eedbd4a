package io.canarybalancer.consuldouble.server;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes request targets the way Go's {@code net/url} does for Consul: the path is percent-decoded as a
 * whole (so a KV key sent as one segment, {@code lb%2Fpool%20a}, becomes {@code lb/pool a}) and keeps
 * {@code +} literal, while query values turn {@code +} into a space. Netty's decoder is not used for the
 * path because its rules differ in small ways that matter for keys.
 */
final class UriDecoding {

    private UriDecoding() {
    }

    /**
     * @throws IllegalArgumentException on a malformed escape or invalid UTF-8
     */
    static String decodePath(String rawPath) {
        return percentDecode(rawPath, false, true);
    }

    /**
     * Splits and decodes a raw query string. Pairs with malformed escapes are dropped silently, as Go's
     * {@code URL.Query()} does; a key without {@code =} maps to an empty value (presence-only flags).
     */
    static Map<String, List<String>> decodeQuery(String rawQuery) {
        Map<String, List<String>> params = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return params;
        }
        for (String pair : rawQuery.split("&", -1)) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String rawKey = eq < 0 ? pair : pair.substring(0, eq);
            String rawValue = eq < 0 ? "" : pair.substring(eq + 1);
            try {
                String key = percentDecode(rawKey, true, false);
                String value = percentDecode(rawValue, true, false);
                params.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
            } catch (IllegalArgumentException ignored) {
                // Go drops the pair and keeps going; so do we.
            }
        }
        params.replaceAll((k, v) -> Collections.unmodifiableList(v));
        return params;
    }

    private static String percentDecode(String text, boolean plusIsSpace, boolean strictUtf8) {
        if (text.indexOf('%') < 0 && !(plusIsSpace && text.indexOf('+') >= 0)) {
            return text;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '%') {
                if (i + 2 >= text.length()) {
                    throw new IllegalArgumentException("invalid URL escape in " + text);
                }
                int hi = Character.digit(text.charAt(i + 1), 16);
                int lo = Character.digit(text.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw new IllegalArgumentException("invalid URL escape in " + text);
                }
                bytes.write(hi << 4 | lo);
                i += 2;
            } else if (c == '+' && plusIsSpace) {
                bytes.write(' ');
            } else {
                byte[] encoded = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                bytes.write(encoded, 0, encoded.length);
            }
        }
        if (!strictUtf8) {
            return bytes.toString(StandardCharsets.UTF_8);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray()))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("invalid UTF-8 in " + text, e);
        }
    }
}
