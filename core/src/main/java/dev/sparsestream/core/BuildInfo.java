package dev.sparsestream.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** What the build knows of itself: the project's version, from the Maven build (version.properties). */
public final class BuildInfo {
    /** The project's version, as in the poms; written into every model, report and snapshot. */
    public static final String VERSION = readVersion();

    private BuildInfo() {
    }

    private static String readVersion() {
        try (InputStream in = BuildInfo.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                throw new IllegalStateException("version.properties is missing from the build of sparse-stream-core");
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version");
            if (v == null || v.isBlank() || v.startsWith("${")) {
                throw new IllegalStateException("version.properties holds no version (was it filtered by the build?): "
                        + v);
            }
            return v.trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
