package dev.sparsestream.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class BuildInfoTest {
    @Test
    void theVersionIsTheParentPomsVersion() throws Exception {
        // independent of the build's filtering: read the project's own version from the parent pom (tests run in core/)
        String pom = Files.readString(Path.of("..", "pom.xml"));
        Matcher m = Pattern.compile("<artifactId>sparse-stream</artifactId>\\s*<version>([^<]+)</version>").matcher(pom);
        assertEquals(true, m.find(), "the parent pom gives its version after its artifactId");
        assertEquals(m.group(1), BuildInfo.VERSION);
    }
}
