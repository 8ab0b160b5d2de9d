package dev.sparsestream.core.data;

import java.io.IOException;
import java.nio.file.Path;

/**
 * An IDX file (or a pair of them) is not what the reader was asked to read: wrong magic number,
 * impossible dimensions, truncated or over-long content, or image and label files that disagree.
 *
 * <p>The message always names the file(s) involved and the precise problem, because the usual cause
 * is a wrong, partial or mixed-up download that the user has to find and replace by hand.
 */
public class IdxFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    /** The file at fault, or null when the problem involves more than one file. */
    private final transient Path file;

    /**
     * @param file    the file at fault; its path starts the message
     * @param problem what is wrong with it
     */
    public IdxFormatException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    /**
     * For problems that involve several files; the message must name them itself.
     *
     * @param message full message, naming every file involved
     */
    public IdxFormatException(String message) {
        super(message);
        this.file = null;
    }

    /** @return the file at fault, or null when the problem involves several files */
    public Path file() {
        return file;
    }
}
