package io.canarybalancer.balancer.proxy.http1;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reading of a request head, written straight from RFC 9110, RFC 9112 and RFC 3986 and the
 * balancer's contract, sharing no code with the scanner: the head is the text before the first
 * empty line, split on CRLF; the request line, tokens, field values, targets and authorities are
 * regular expressions of their ABNF; the path is normalised by the algorithm of RFC 3986 section
 * 5.2.4. Slow and obvious on purpose: it is what {@link HeadFuzzTest} holds the scanner to.
 */
final class ReferenceReader {
    static final int ACCEPTED = 0;
    static final int INCOMPLETE = -1;

    private static final String TCHAR = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]";
    private static final Pattern TOKEN = Pattern.compile(TCHAR + "+");
    private static final Pattern REQUEST_LINE = Pattern.compile("(" + TCHAR + "+) ([^ ]+) (HTTP/[0-9]\\.[0-9])");
    /** RFC 9110 field-value after OWS is taken off: VCHAR, obs-text, and SP or HTAB inside. */
    private static final Pattern FIELD_VALUE = Pattern.compile("[\\t \\x21-\\x7e\\x80-\\xff]*");
    /** Printable ASCII but '#', with '%' only as an escape: the contract's path and query characters. */
    private static final Pattern PATH_AND_QUERY = Pattern.compile("(?:[\\x21\\x22\\x24\\x26-\\x7e]|%[0-9A-Fa-f]{2})*");
    private static final Pattern ABSOLUTE = Pattern.compile("[hH][tT][tT][pP]://([^/?]*)([/?][\\x00-\\xff]*)?");
    private static final Pattern REG_NAME = Pattern.compile("(?:[A-Za-z0-9\\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})+");
    private static final Pattern IPV6 = Pattern.compile(ipv6());
    private static final Pattern HOST_PORT = Pattern.compile("(\\[[^\\]]*\\]|[^:\\[\\]]*)(?::([0-9]{1,5}))?");
    private static final Pattern LENGTH = Pattern.compile("0|[1-9][0-9]{0,17}");

    private ReferenceReader() {
    }

    record Field(String name, String value, String line) {
    }

    /** What the reference makes of a head; for an accepted one, its fields in order and what the proxy reads. */
    record Verdict(int status, String reason, String method, String target, boolean http11, boolean absolute,
                   String authority, boolean chunked, long contentLength, boolean keepAlive, List<Field> fields) {

        boolean accepted() {
            return status == ACCEPTED;
        }

        /** The value of the only field of this (lower-case) name, or null. */
        String value(String name) {
            for (Field field : fields) {
                if (field.name.equals(name)) {
                    return field.value;
                }
            }
            return null;
        }
    }

    static Verdict read(byte[] raw, int maxStartLine, int maxFieldSection, int maxFieldCount) {
        String text = new String(raw, StandardCharsets.ISO_8859_1);
        int begin = 0;
        while (text.startsWith("\r\n", begin)) {
            begin += 2; // RFC 9112 section 2.2: empty lines before the request line are ignored
        }
        int lineEnd = text.indexOf("\r\n", begin);
        int startLineLength = (lineEnd < 0 ? text.length() : lineEnd) - begin;
        if (startLineLength > maxStartLine) {
            return refused(414, "start line over the limit");
        }
        int headEnd = lineEnd < 0 ? -1 : text.indexOf("\r\n\r\n", lineEnd);
        if (headEnd < 0) {
            return refused(INCOMPLETE, "no empty line");
        }
        String startLine = text.substring(begin, lineEnd);
        String section = headEnd == lineEnd ? "" : text.substring(lineEnd + 2, headEnd + 2);
        if (section.length() > maxFieldSection) {
            return refused(431, "field section over the limit");
        }
        List<String> lines = new ArrayList<>();
        lines.add(startLine);
        if (!section.isEmpty()) {
            lines.addAll(List.of(section.substring(0, section.length() - 2).split("\r\n", -1)));
        }
        for (String line : lines) {
            if (line.indexOf('\r') >= 0 || line.indexOf('\n') >= 0) {
                return refused(400, "a bare CR or LF");
            }
        }
        return readLines(lines, maxFieldCount);
    }

    private static Verdict readLines(List<String> lines, int maxFieldCount) {
        Matcher request = REQUEST_LINE.matcher(lines.get(0));
        if (!request.matches()) {
            return refused(400, "request line");
        }
        String method = request.group(1);
        String target = request.group(2);
        String version = request.group(3);
        if (!version.equals("HTTP/1.1") && !version.equals("HTTP/1.0")) {
            return refused(505, "version");
        }
        boolean http11 = version.equals("HTTP/1.1");

        List<Field> fields = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            int colon = line.indexOf(':');
            if (colon < 0 || !TOKEN.matcher(line.substring(0, colon)).matches()) {
                return refused(400, "field name");
            }
            String value = trimOws(line.substring(colon + 1));
            if (!FIELD_VALUE.matcher(value).matches()) {
                return refused(400, "field value");
            }
            fields.add(new Field(lowerAscii(line.substring(0, colon)), value, line));
        }
        if (fields.size() > maxFieldCount) {
            return refused(431, "field count");
        }

        String normalTarget;
        String authority = null;
        if (method.equals("CONNECT")) {
            // RFC 9112 section 3.2.3: authority-form is uri-host ":" port.
            Matcher hostPort = HOST_PORT.matcher(target);
            if (!isAuthority(target) || !hostPort.matches() || hostPort.group(2) == null) {
                return refused(400, "CONNECT target");
            }
            normalTarget = target;
        } else if (target.equals("*")) {
            if (!method.equals("OPTIONS")) {
                return refused(400, "* for OPTIONS only");
            }
            normalTarget = target;
        } else if (target.startsWith("/")) {
            normalTarget = originForm(target);
        } else {
            Matcher absolute = ABSOLUTE.matcher(target);
            if (!absolute.matches() || !isAuthority(absolute.group(1))) {
                return refused(400, "target form");
            }
            authority = absolute.group(1);
            String rest = absolute.group(2) == null ? "" : absolute.group(2);
            normalTarget = originForm(rest.startsWith("/") ? rest : "/" + rest);
        }
        if (normalTarget == null) {
            return refused(400, "target");
        }

        List<Field> hosts = named(fields, "host");
        if (hosts.size() > 1 || hosts.isEmpty() && http11) {
            return refused(400, "Host count");
        }
        if (hosts.size() == 1 && !isAuthority(hosts.get(0).value)) {
            return refused(400, "Host value");
        }
        List<Field> lengths = named(fields, "content-length");
        List<Field> codings = named(fields, "transfer-encoding");
        if (!lengths.isEmpty() && !codings.isEmpty() || lengths.size() > 1 || codings.size() > 1) {
            return refused(400, "framing declared more than once");
        }
        if (codings.size() == 1 && (!lowerAscii(codings.get(0).value).equals("chunked") || !http11)) {
            return refused(400, "transfer coding");
        }
        if (lengths.size() == 1 && !LENGTH.matcher(lengths.get(0).value).matches()) {
            return refused(400, "content length");
        }
        long contentLength = lengths.isEmpty() ? 0 : Long.parseLong(lengths.get(0).value);

        List<String> tokens = connectionTokens(fields);
        boolean keepAlive = !tokens.contains("close") && (http11 || tokens.contains("keep-alive"));
        return new Verdict(ACCEPTED, null, method, normalTarget, http11, authority != null, authority,
                codings.size() == 1, contentLength, keepAlive, fields);
    }

    /** The lower-case tokens of every Connection field. */
    static List<String> connectionTokens(List<Field> fields) {
        List<String> tokens = new ArrayList<>();
        for (Field connection : named(fields, "connection")) {
            for (String token : connection.value.split(",", -1)) {
                String trimmed = trimOws(token);
                if (!trimmed.isEmpty()) {
                    tokens.add(lowerAscii(trimmed));
                }
            }
        }
        return tokens;
    }

    static List<Field> named(List<Field> fields, String name) {
        return fields.stream().filter(field -> field.name.equals(name)).toList();
    }

    /** The origin-form target normalised, or null when it is invalid or climbs above the root. */
    private static String originForm(String target) {
        if (!PATH_AND_QUERY.matcher(target).matches()) {
            return null;
        }
        int query = target.indexOf('?');
        String path = query < 0 ? target : target.substring(0, query);
        String decoded = decodeUnreserved(path);
        int depth = 0;
        for (String segment : decoded.substring(1).split("/", -1)) {
            if (segment.equals("..")) {
                if (depth == 0) {
                    return null;
                }
                depth--;
            } else if (!segment.equals(".")) {
                depth++;
            }
        }
        return removeDotSegments(decoded) + (query < 0 ? "" : target.substring(query));
    }

    /** RFC 3986 section 6.2.2.2: escapes of unreserved characters are those characters. */
    private static String decodeUnreserved(String path) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '%') {
                char decoded = (char) Integer.parseInt(path.substring(i + 1, i + 3), 16);
                if (String.valueOf(decoded).matches("[A-Za-z0-9\\-._~]")) {
                    out.append(decoded);
                    i += 2;
                    continue;
                }
            }
            out.append(c);
        }
        return out.toString();
    }

    /** RFC 3986 section 5.2.4, step by step as written there. */
    private static String removeDotSegments(String path) {
        String input = path;
        StringBuilder output = new StringBuilder();
        while (!input.isEmpty()) {
            if (input.startsWith("../")) {
                input = input.substring(3);
            } else if (input.startsWith("./")) {
                input = input.substring(2);
            } else if (input.startsWith("/./")) {
                input = input.substring(2);
            } else if (input.equals("/.")) {
                input = "/";
            } else if (input.startsWith("/../")) {
                input = input.substring(3);
                removeLastSegment(output);
            } else if (input.equals("/..")) {
                input = "/";
                removeLastSegment(output);
            } else if (input.equals(".") || input.equals("..")) {
                input = "";
            } else {
                int next = input.indexOf('/', input.startsWith("/") ? 1 : 0);
                String segment = next < 0 ? input : input.substring(0, next);
                output.append(segment);
                input = input.substring(segment.length());
            }
        }
        return output.toString();
    }

    private static void removeLastSegment(StringBuilder output) {
        int slash = output.lastIndexOf("/");
        output.setLength(Math.max(slash, 0));
    }

    /** RFC 3986 host [":" port] as the contract narrows it: reg-name or IPv6 literal, port 1 to 65535. */
    static boolean isAuthority(String text) {
        Matcher m = HOST_PORT.matcher(text);
        if (!m.matches()) {
            return false;
        }
        String host = m.group(1);
        boolean hostValid = host.startsWith("[")
                ? IPV6.matcher(host.substring(1, host.length() - 1)).matches()
                : REG_NAME.matcher(host).matches();
        if (!hostValid) {
            return false;
        }
        if (m.group(2) == null) {
            return true;
        }
        int port = Integer.parseInt(m.group(2));
        return port >= 1 && port <= 65535;
    }

    /** RFC 3986 section 3.2.2 IPv6address, alternative by alternative. */
    private static String ipv6() {
        String h16 = "[0-9A-Fa-f]{1,4}";
        String octet = "(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";
        String ls32 = "(?:" + h16 + ":" + h16 + "|" + octet + "\\." + octet + "\\." + octet + "\\." + octet + ")";
        return String.join("|",
                "(?:" + h16 + ":){6}" + ls32,
                "::(?:" + h16 + ":){5}" + ls32,
                "(?:" + h16 + ")?::(?:" + h16 + ":){4}" + ls32,
                "(?:(?:" + h16 + ":){0,1}" + h16 + ")?::(?:" + h16 + ":){3}" + ls32,
                "(?:(?:" + h16 + ":){0,2}" + h16 + ")?::(?:" + h16 + ":){2}" + ls32,
                "(?:(?:" + h16 + ":){0,3}" + h16 + ")?::" + h16 + ":" + ls32,
                "(?:(?:" + h16 + ":){0,4}" + h16 + ")?::" + ls32,
                "(?:(?:" + h16 + ":){0,5}" + h16 + ")?::" + h16,
                "(?:(?:" + h16 + ":){0,6}" + h16 + ")?::");
    }

    private static String trimOws(String text) {
        int from = 0;
        int to = text.length();
        while (from < to && (text.charAt(from) == ' ' || text.charAt(from) == '\t')) {
            from++;
        }
        while (to > from && (text.charAt(to - 1) == ' ' || text.charAt(to - 1) == '\t')) {
            to--;
        }
        return text.substring(from, to);
    }

    /** ASCII letters lower-cased, nothing else touched (no locale, no Unicode folding). */
    static String lowerAscii(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            out.append(c >= 'A' && c <= 'Z' ? (char) (c + 32) : c);
        }
        return out.toString();
    }

    private static Verdict refused(int status, String reason) {
        return new Verdict(status, reason, null, null, false, false, null, false, 0, false, List.of());
    }
}
