package io.canarybalancer.balancer.mirror;

import com.fasterxml.jackson.databind.JsonNode;
import io.canarybalancer.balancer.mirror.Difference.Kind;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Compares stable's and the canary's answers to one mirrored request.
 *
 * <p>Each difference's detail is one line; a value taken from an answer (a header value, a JSON value or path)
 * is shown with at most {@value #MAX_SHOWN} characters, and of a body that is not compared as JSON only its
 * lengths and the offset of the first differing byte are shown.
 */
public final class AnswerComparison {
    /** Characters of one value from an answer that a detail shows at most (an ellipsis marks a cut). */
    public static final int MAX_SHOWN = 60;

    private AnswerComparison() {
    }

    /**
     * The ways {@code canary} differs from {@code stable} under {@code rules}, the first one first;
     * empty when they agree.
     *
     * <p>A canary without an answer is one {@link Kind#NO_ANSWER} difference and nothing else. Otherwise the list
     * holds, in this order, a {@link Kind#STATUS} difference, a {@link Kind#HEADER} difference per compared header
     * in the rules' order, and a {@link Kind#BODY} difference. Bodies are compared by {@link CompareRules#body()}:
     * as JSON when the mode is JSON, or AUTO and both answers declare a JSON content type (object field order and
     * white space do not count, numbers are compared by value, fields matching
     * {@link CompareRules#ignoreJsonPaths()} are left out); byte for byte otherwise, and also when either body is not
     * JSON or was kept only in part ({@link Answer#truncated()}: then the kept prefixes and whole lengths count).
     *
     * @throws IllegalArgumentException when stable has no answer: the caller compares only answered requests, as
     *                                  there is nothing to judge the canary's answer against
     */
    public static List<Difference> compare(CompareRules rules, Answer stable, Answer canary) {
        if (stable.failure() != null) {
            throw new IllegalArgumentException("stable did not answer (" + stable.failure()
                    + "): there is nothing to compare the canary's answer with");
        }
        if (canary.failure() != null) {
            return List.of(new Difference(Kind.NO_ANSWER, "no answer from the canary: " + canary.failure()));
        }
        List<Difference> differences = new ArrayList<>();
        if (rules.status() && stable.status() != canary.status()) {
            differences.add(new Difference(Kind.STATUS, statusDetail(stable.status(), canary.status())));
        }
        for (String name : rules.headers()) {
            String ours = stable.headers().get(name);
            String theirs = canary.headers().get(name);
            if (!Objects.equals(ours, theirs)) {
                differences.add(new Difference(Kind.HEADER, name + ": " + quoted(ours) + " vs " + quoted(theirs)));
            }
        }
        String body = bodyDifference(rules, stable, canary);
        if (body != null) {
            differences.add(new Difference(Kind.BODY, body));
        }
        return List.copyOf(differences);
    }

    /** Whether {@code answer} declares a JSON content type: {@code application/json} or any {@code +json} one. */
    static boolean declaresJson(Answer answer) {
        String type = answer.headers().get("content-type");
        if (type == null) {
            return false;
        }
        int parameters = type.indexOf(';');
        String media = (parameters < 0 ? type : type.substring(0, parameters)).trim().toLowerCase(Locale.ROOT);
        return media.equals("application/json") || media.indexOf('/') > 0 && media.endsWith("+json");
    }

    /** {@code text} cut to {@link #MAX_SHOWN} characters, its end replaced by an ellipsis when cut. */
    static String shorten(String text) {
        return text.length() <= MAX_SHOWN ? text : text.substring(0, MAX_SHOWN - 1) + "…";
    }

    private static String statusDetail(int ours, int theirs) {
        String codes = ours + " vs " + theirs;
        return ours / 100 == theirs / 100 ? codes : codes + " (" + ours / 100 + "xx vs " + theirs / 100 + "xx)";
    }

    private static String quoted(String value) {
        return value == null ? "absent" : '"' + shorten(value) + '"';
    }

    /** The first way the bodies differ, or {@code null} when they agree. */
    private static String bodyDifference(CompareRules rules, Answer stable, Answer canary) {
        return switch (rules.body()) {
            case NONE -> null;
            case EXACT -> BodyBytes.firstDifference(stable, canary);
            case JSON -> asJson(rules.ignoreJsonPaths(), stable, canary);
            case AUTO -> declaresJson(stable) && declaresJson(canary)
                    ? asJson(rules.ignoreJsonPaths(), stable, canary)
                    : BodyBytes.firstDifference(stable, canary);
        };
    }

    private static String asJson(List<JsonPath> ignored, Answer stable, Answer canary) {
        if (stable.truncated() || canary.truncated()) {
            return BodyBytes.firstDifference(stable, canary);
        }
        JsonNode ours = JsonDiff.parse(stable.body());
        JsonNode theirs = JsonDiff.parse(canary.body());
        if (ours == null || theirs == null) {
            String bytes = BodyBytes.firstDifference(stable, canary);
            return bytes == null ? null : notJson(ours == null, theirs == null) + bytes;
        }
        for (JsonPath path : ignored) {
            path.removeFrom(ours);
            path.removeFrom(theirs);
        }
        return JsonDiff.firstDifference(ours, theirs);
    }

    private static String notJson(boolean ours, boolean theirs) {
        if (ours && theirs) {
            return "neither body is JSON, ";
        }
        return (ours ? "stable's" : "the canary's") + " body is not JSON, ";
    }
}
