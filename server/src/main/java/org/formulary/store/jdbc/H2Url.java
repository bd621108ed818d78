package org.formulary.store.jdbc;

import java.util.Locale;

/**
 * The JDBC URL the server opens for the H2 URL it was configured with. A database in files gets two settings,
 * unless the URL sets them itself:
 *
 * <ul>
 *   <li>{@code WRITE_DELAY=0}: by default H2 keeps committed transactions in an in-process buffer and writes them
 *       to its file up to 500 ms later, so a process that is killed (SIGKILL, the OOM killer) loses writes the
 *       server had already acknowledged. With 0, each commit is written to the file (the operating system's page
 *       cache) before it returns; only a crash of the machine itself can still lose it.
 *   <li>{@code DB_CLOSE_ON_EXIT=FALSE}: H2's own shutdown hook would close the database while the server's graceful
 *       shutdown still lets in-flight requests finish; the server closes the database itself, last.
 * </ul>
 *
 * In-memory ({@code mem:}), remote ({@code tcp:}, {@code ssl:}) and read-only ({@code zip:}) databases are left
 * as they are. Stateless.
 */
final class H2Url {

    private static final String PREFIX = "jdbc:h2:";
    private static final String[] NOT_LOCAL_FILES = {"mem:", "tcp:", "ssl:", "zip:"};
    private static final String[][] FILE_SETTINGS = {{"WRITE_DELAY", "0"}, {"DB_CLOSE_ON_EXIT", "FALSE"}};

    private H2Url() {}

    /** {@code url} with the settings a file database needs added; any other URL unchanged. */
    static String of(String url) {
        if (!url.startsWith(PREFIX)) {
            throw new IllegalArgumentException("Unsupported database URL (only jdbc:h2: so far): " + url);
        }
        String[] parts = url.substring(PREFIX.length()).split(";");
        String name = parts[0].toLowerCase(Locale.ROOT);
        for (String other : NOT_LOCAL_FILES) {
            if (name.startsWith(other)) {
                return url;
            }
        }
        StringBuilder result = new StringBuilder(url.endsWith(";") ? url.substring(0, url.length() - 1) : url);
        for (String[] setting : FILE_SETTINGS) {
            if (!sets(parts, setting[0])) {
                result.append(';').append(setting[0]).append('=').append(setting[1]);
            }
        }
        return result.toString();
    }

    private static boolean sets(String[] parts, String setting) {
        for (int i = 1; i < parts.length; i++) {
            String key = parts[i].split("=", 2)[0].trim();
            if (key.equalsIgnoreCase(setting)) {
                return true;
            }
        }
        return false;
    }
}
