package org.formulary.export;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes one NDJSON file: one JSON resource per line, UTF-8, through a small buffer, counting the lines. Each line
 * is encoded whole ({@link String#getBytes}: an ASCII string's bytes are copied as they are) instead of char by char
 * through a {@code Writer}'s encoder. A line break inside a resource's JSON can only be whitespace between tokens
 * (JSON strings escape them), so it is replaced by a space and every resource stays on one line. Not thread-safe:
 * one worker writes one file.
 */
final class NdjsonWriter implements AutoCloseable {

    private static final int BUFFER = 64 * 1024;

    private final Path path;
    private final OutputStream out;
    private long count;

    NdjsonWriter(Path path) throws IOException {
        this.path = path;
        this.out = new BufferedOutputStream(Files.newOutputStream(path), BUFFER);
    }

    /** Appends {@code json} as one line. */
    void write(String json) {
        String line = json.indexOf('\n') >= 0 || json.indexOf('\r') >= 0
                ? json.replace('\n', ' ').replace('\r', ' ')
                : json;
        try {
            out.write(line.getBytes(StandardCharsets.UTF_8));
            out.write('\n');
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write " + path, e);
        }
        count++;
    }

    /** How many lines have been written. */
    long count() {
        return count;
    }

    /** The file being written. */
    Path path() {
        return path;
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
