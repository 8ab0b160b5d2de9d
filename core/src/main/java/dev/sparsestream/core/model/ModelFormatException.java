package dev.sparsestream.core.model;

import java.io.IOException;

/**
 * A saved model folder that cannot be read: a missing or malformed {@code model.json}, a wrong format
 * marker or version, an invalid configuration, or a parameter file that is missing, not a float32
 * {@code .npy}, of the wrong shape, truncated or holding non-finite values. The message names the
 * file and the problem.
 */
public class ModelFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public ModelFormatException(String message) {
        super(message);
    }

    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
