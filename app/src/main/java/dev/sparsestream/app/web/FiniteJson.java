package dev.sparsestream.app.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** JSON has no NaN or infinity: the dashboard's numbers are written as null where they are not finite. */
final class FiniteJson {
    private FiniteJson() {
    }

    /** JSON has no NaN or infinity; a missing value is null. */
    static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    /** The tree with every NaN or infinite number replaced by null (in place), for JSON. */
    static <T extends JsonNode> T finiteOnly(T node) {
        if (node instanceof ObjectNode o) {
            o.fields().forEachRemaining(e -> {
                if (e.getValue().isNumber() && !Double.isFinite(e.getValue().doubleValue())) {
                    e.setValue(NullNode.getInstance());
                } else {
                    finiteOnly(e.getValue());
                }
            });
        } else if (node instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                if (a.get(i).isNumber() && !Double.isFinite(a.get(i).doubleValue())) {
                    a.set(i, NullNode.getInstance());
                } else {
                    finiteOnly(a.get(i));
                }
            }
        }
        return node;
    }
}
