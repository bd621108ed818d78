package org.formulary.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The server's settings, read once from environment variables at startup.
 *
 * <p>Every setting is optional; {@link #fromEnvironment(Map)} applies the documented defaults and rejects
 * values that cannot work (a non-numeric port, for example). Instances are immutable and thread-safe.
 *
 * @param port TCP port to listen on; {@code 0} picks a free one ({@code FORMULARY_PORT}, default 8080)
 * @param dbUrl JDBC URL of the database ({@code FORMULARY_DB_URL}, default an H2 file database under ./data/)
 * @param baseUrl public FHIR base URL written into links and fullUrls, or empty to derive it from the bound port
 *     ({@code FORMULARY_BASE_URL})
 * @param contentDir folder of formulary content to load, or empty for the content carried in the jar
 *     ({@code FORMULARY_RESOURCES_DIR})
 * @param conformanceDir folder of the conformance package, or empty for the package carried in the jar
 *     ({@code FORMULARY_CONFORMANCE_DIR})
 * @param defaultPageSize page size when a search gives no {@code _count} ({@code FORMULARY_DEFAULT_COUNT}, 20)
 * @param maxPageSize largest {@code _count} honoured ({@code FORMULARY_MAX_COUNT}, 1000)
 * @param notifications how Subscription notifications are delivered
 * @param exportDir folder where Bulk Data {@code $export} jobs write their NDJSON files, one sub-folder per job
 *     ({@code FORMULARY_EXPORT_DIR}, default ./data/export)
 * @param shutdownTimeout how long a graceful shutdown (SIGTERM) waits for in-flight requests to finish before it
 *     closes their connections ({@code FORMULARY_SHUTDOWN_TIMEOUT_MS}, 20000 ms)
 */
public record Settings(
        int port,
        String dbUrl,
        Optional<String> baseUrl,
        Optional<Path> contentDir,
        Optional<Path> conformanceDir,
        int defaultPageSize,
        int maxPageSize,
        Notifications notifications,
        Path exportDir,
        Duration shutdownTimeout) {

    /**
     * How rest-hook Subscription notifications are delivered: each notification is tried up to {@code attempts}
     * times, waiting {@code retryDelay} before the second attempt and twice as long before each further one
     * (exponential back-off), each attempt bounded by {@code timeout}.
     *
     * @param attempts attempts per notification before the Subscription is set to {@code error}
     *     ({@code FORMULARY_SUBSCRIPTION_ATTEMPTS}, 5)
     * @param retryDelay wait before the first retry ({@code FORMULARY_SUBSCRIPTION_RETRY_DELAY_MS}, 1000 ms)
     * @param timeout time limit of one attempt, connecting included ({@code FORMULARY_SUBSCRIPTION_TIMEOUT_MS},
     *     10000 ms)
     */
    public record Notifications(int attempts, Duration retryDelay, Duration timeout) {}

    /** The FHIR base path under which the REST API is served. */
    public static final String FHIR_PATH = "/fhir";

    public static final String DEFAULT_DB_URL = "jdbc:h2:file:./data/formulary;DB_CLOSE_ON_EXIT=FALSE";

    public static final String DEFAULT_EXPORT_DIR = "./data/export";

    /** Reads the settings from the given environment (normally {@link System#getenv()}). */
    public static Settings fromEnvironment(Map<String, String> env) {
        int defaultCount = intValue(env, "FORMULARY_DEFAULT_COUNT", 20, 1);
        int maxCount = intValue(env, "FORMULARY_MAX_COUNT", 1000, 1);
        if (defaultCount > maxCount) {
            throw new IllegalArgumentException("FORMULARY_DEFAULT_COUNT must not exceed FORMULARY_MAX_COUNT");
        }
        return new Settings(
                intValue(env, "FORMULARY_PORT", 8080, 0),
                text(env, "FORMULARY_DB_URL").orElse(DEFAULT_DB_URL),
                text(env, "FORMULARY_BASE_URL").map(Settings::withoutTrailingSlash),
                text(env, "FORMULARY_RESOURCES_DIR").map(Path::of),
                text(env, "FORMULARY_CONFORMANCE_DIR").map(Path::of),
                defaultCount,
                maxCount,
                new Notifications(
                        intValue(env, "FORMULARY_SUBSCRIPTION_ATTEMPTS", 5, 1),
                        Duration.ofMillis(intValue(env, "FORMULARY_SUBSCRIPTION_RETRY_DELAY_MS", 1000, 1)),
                        Duration.ofMillis(intValue(env, "FORMULARY_SUBSCRIPTION_TIMEOUT_MS", 10_000, 1))),
                Path.of(text(env, "FORMULARY_EXPORT_DIR").orElse(DEFAULT_EXPORT_DIR)),
                Duration.ofMillis(intValue(env, "FORMULARY_SHUTDOWN_TIMEOUT_MS", 20_000, 1)));
    }

    /** Settings for a server on a free port with the given database and the content carried in the jar. */
    public static Settings forDatabase(String dbUrl) {
        return forDatabase(dbUrl, Map.of());
    }

    /** Like {@link #forDatabase(String)}, with further environment variables ({@code env}) applied. */
    public static Settings forDatabase(String dbUrl, Map<String, String> env) {
        Map<String, String> all = new HashMap<>(env);
        all.put("FORMULARY_PORT", "0");
        all.put("FORMULARY_DB_URL", dbUrl);
        return fromEnvironment(all);
    }

    /** These settings with {@code dir} as the export folder. */
    public Settings withExportDir(Path dir) {
        return new Settings(port, dbUrl, baseUrl, contentDir, conformanceDir, defaultPageSize, maxPageSize,
                notifications, dir, shutdownTimeout);
    }

    /** The public base URL for a server bound to {@code boundPort}. */
    public String baseUrlFor(int boundPort) {
        return baseUrl.orElse("http://localhost:" + boundPort + FHIR_PATH);
    }

    private static Optional<String> text(Map<String, String> env, String name) {
        return Optional.ofNullable(env.get(name)).map(String::trim).filter(s -> !s.isEmpty());
    }

    private static int intValue(Map<String, String> env, String name, int defaultValue, int min) {
        Optional<String> raw = text(env, name);
        if (raw.isEmpty()) {
            return defaultValue;
        }
        try {
            int value = Integer.parseInt(raw.get());
            if (value < min || value > 65535 && name.endsWith("PORT")) {
                throw new IllegalArgumentException(name + " is out of range: " + raw.get());
            }
            return value;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, was: " + raw.get(), e);
        }
    }

    private static String withoutTrailingSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
