package org.formulary.export;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes one NDJSON file: one JSON resource per line, UTF-8, through a small buffer, counting the lines. A line
 * break inside a resource's JSON can only be whitespace between tokens (JSON strings escape them), so it is
 * replaced by a space and every resource stays on one line. Not thread-safe: one worker writes one file.
 */
final class NdjsonWriter implements AutoCloseable {

    private static final int BUFFER = 64 * 1024;

    private final Path path;
    private final BufferedWriter out;
    private long count;

    NdjsonWriter(Path path) throws IOException {
        this.path = path;
        this.out = new BufferedWriter(Files.newBufferedWriter(path, StandardCharsets.UTF_8), BUFFER);
    }

    /** Appends {@code json} as one line. */
    void write(String json) {
        String line = json.indexOf('\n') >= 0 || json.indexOf('\r') >= 0
                ? json.replace('\n', ' ').replace('\r', ' ')
                : json;
        try {
            out.write(line);
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
