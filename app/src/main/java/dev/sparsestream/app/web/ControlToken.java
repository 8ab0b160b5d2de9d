package dev.sparsestream.app.web;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;

/**
 * The bearer token a run's control requests must carry: 32 random bytes in hex, kept in an owner-only
 * file of the run folder ({@code file}), compared in constant time.
 */
final class ControlToken {
    private static final int TOKEN_BYTES = 32;

    private final byte[] token; // UTF-8 of the hex token
    private final Path file;

    ControlToken(Path file) {
        byte[] random = new byte[TOKEN_BYTES];
        new SecureRandom().nextBytes(random);
        this.token = HexFormat.of().formatHex(random).getBytes(StandardCharsets.US_ASCII);
        this.file = file;
    }

    /** The file's content (never written after). */
    byte[] bytes() {
        return token;
    }

    String text() {
        return new String(token, StandardCharsets.US_ASCII);
    }

    Path file() {
        return file;
    }

    /** What is wrong with an Authorization header, or empty when it carries this token. */
    Optional<String> problem(Optional<String> header) {
        if (header.isEmpty()) {
            return Optional.of("missing header 'Authorization: Bearer <token>'; the token is in " + file);
        }
        String value = header.get().strip();
        if (!value.toLowerCase(Locale.ROOT).startsWith("bearer ")) {
            return Optional.of("the Authorization header must be 'Bearer <token>'");
        }
        byte[] given = value.substring("bearer ".length()).strip().getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(given, token)) { // constant time: no timing hints about the token
            return Optional.of("wrong token; the current one is in " + file);
        }
        return Optional.empty();
    }
}
