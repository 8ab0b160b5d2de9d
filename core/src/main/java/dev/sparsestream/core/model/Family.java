package dev.sparsestream.core.model;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The paper's eight model families: how the decoder is kept from shrinking the codes (column norm,
 * weight decay or the variance hinge), whether there is an encoder, and whether the decoder is linear.
 */
public enum Family {
    SDL("SDL", false, true, Bound.COLUMN_NORM),
    VDL("VDL", false, true, Bound.VARIANCE),
    WDL("WDL", false, true, Bound.WEIGHT_DECAY),
    DO("DO", false, false, Bound.COLUMN_NORM),
    SDL_NL("SDL-NL", true, true, Bound.COLUMN_NORM),
    VDL_NL("VDL-NL", true, true, Bound.VARIANCE),
    WDL_NL("WDL-NL", true, true, Bound.WEIGHT_DECAY),
    DO_NL("DO-NL", true, false, Bound.COLUMN_NORM);

    /** What bounds the decoder (docs/method.md, "Learning"). */
    public enum Bound { COLUMN_NORM, WEIGHT_DECAY, VARIANCE }

    private final String label;
    private final boolean nonLinear;
    private final boolean encoder;
    private final Bound bound;

    Family(String label, boolean nonLinear, boolean encoder, Bound bound) {
        this.label = label;
        this.nonLinear = nonLinear;
        this.encoder = encoder;
        this.bound = bound;
    }

    public String label() {
        return label;
    }

    public boolean nonLinear() {
        return nonLinear;
    }

    public boolean hasEncoder() {
        return encoder;
    }

    public Bound bound() {
        return bound;
    }

    public static Family parse(String name) {
        String n = name.trim().toUpperCase(Locale.ROOT).replace('_', '-');
        for (Family f : values()) {
            if (f.label.equals(n)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown model '" + name + "'; expected one of "
                + Arrays.stream(values()).map(Family::label).collect(Collectors.joining(", ")));
    }

    @Override
    public String toString() {
        return label;
    }
}
