package dev.sparsestream.app.web;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.Iterator;
import java.util.regex.Pattern;

/**
 * The one rule for a new lambda (a finite number &gt;= 0), applied by the control endpoint to request
 * bodies and by {@code control lambda} to its argument, so a typo is caught locally with the same
 * message the server would give. The learner checks again; this is the early, explanatory check.
 */
public final class LambdaValue {
    /** The body's only field. */
    static final String FIELD = "lambda";

    /** A body the endpoint accepts, quoted in error messages. */
    static final String EXAMPLE = "{\"lambda\": 0.01}";

    /**
     * Lenient about NaN and Infinity so that they reach {@link #check} and are refused by name rather
     * than as "malformed JSON"; strict about everything that could hide a mistake (a second
     * {@code lambda}, trailing text).
     */
    private static final JsonMapper BODY_READER = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** A decimal number as people type it (no hex, no Java suffixes such as {@code 1d}), or NaN/Infinity. */
    private static final Pattern NUMBER = Pattern.compile(
            "[+-]?((\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?|NaN|Infinity|inf|nan)", Pattern.CASE_INSENSITIVE);

    private LambdaValue() {
    }

    /**
     * @param value a candidate lambda
     * @return {@code value}
     * @throws IllegalArgumentException naming the problem: not finite, or negative
     */
    static double check(double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("lambda must be a finite number, got " + value);
        }
        if (value < 0) {
            throw new IllegalArgumentException("lambda must be >= 0, got " + value);
        }
        return value == 0 ? 0.0 : value; // -0.0 becomes 0.0
    }

    /**
     * @param text a command-line argument such as {@code 0.01} or {@code 1e-3}
     * @return the checked value
     * @throws IllegalArgumentException if it is not a number, not finite or negative
     */
    static double parseArgument(String text) {
        String t = text.strip();
        if (!NUMBER.matcher(t).matches()) {
            throw new IllegalArgumentException("lambda '" + text + "' is not a number (examples: 0.01, 2e-3)");
        }
        String lower = t.toLowerCase(java.util.Locale.ROOT);
        if (lower.contains("nan")) {
            return check(Double.NaN);
        }
        if (lower.contains("inf")) {
            return check(lower.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY);
        }
        return check(Double.parseDouble(t));
    }

    /**
     * @param body a request body, expected to be {@code {"lambda": number}} (UTF-8 JSON)
     * @return the checked value
     * @throws IllegalArgumentException naming the problem: malformed JSON, not an object, missing field,
     *                                  unknown field, not a number, not finite, negative
     */
    static double fromJson(byte[] body) {
        JsonNode root;
        try {
            root = BODY_READER.readTree(body);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("malformed JSON: " + e.getOriginalMessage() + "; expected " + EXAMPLE);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("unreadable body: " + e.getMessage());
        }
        if (root == null || root.isMissingNode()) {
            throw new IllegalArgumentException("empty body; expected " + EXAMPLE);
        }
        if (!root.isObject()) {
            throw new IllegalArgumentException("the body must be a JSON object, got " + kind(root) + "; expected " + EXAMPLE);
        }
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!name.equals(FIELD)) {
                throw new IllegalArgumentException("unknown field \"" + name + "\"; expected " + EXAMPLE);
            }
        }
        JsonNode value = root.get(FIELD);
        if (value == null) {
            throw new IllegalArgumentException("missing field \"" + FIELD + "\"; expected " + EXAMPLE);
        }
        if (!value.isNumber()) {
            throw new IllegalArgumentException("\"" + FIELD + "\" must be a JSON number, got " + kind(value)
                    + (value.isNull() ? "" : " " + value));
        }
        return check(value.doubleValue());
    }

    private static String kind(JsonNode n) {
        return switch (n.getNodeType()) {
            case STRING -> "a string";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case NUMBER -> "a number";
            default -> n.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
