package org.formulary.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The server's settings, read once from environment variables at startup.
 *
 * <p>Every setting is optional; {@link #fromEnvironment(Map)} applies the documented defaults and rejects
 * values that cannot work (a non-numeric port, for example). Instances are immutable and thread-safe.
 *
 * @param port TCP port to listen on; {@code 0} picks a free one ({@code FORMULARY_PORT}, default 8080)
 * @param database the database and its connection pool ({@code FORMULARY_DB_*})
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
 * @param auth how writes (and, if private, Bulk Data export) are authorized
 * @param limits what one request may cost the server: body size, time and threads
 */
public record Settings(
        int port,
        DatabaseSettings database,
        Optional<String> baseUrl,
        Optional<Path> contentDir,
        Optional<Path> conformanceDir,
        int defaultPageSize,
        int maxPageSize,
        Notifications notifications,
        Path exportDir,
        Duration shutdownTimeout,
        Auth auth,
        Limits limits) {

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

    /**
     * How requests are authorized: every write needs an OAuth 2.0 bearer token (a JWT signed with a key of the
     * JSON Web Key Set {@code jwks}, issued by {@code issuer} for {@code audience}) unless {@code enabled} is false.
     *
     * @param enabled whether writes need a token ({@code FORMULARY_AUTH}: {@code on}, the default, or {@code off}
     *     for local development)
     * @param jwks file path or http(s) URL of the JSON Web Key Set the tokens are verified with
     *     ({@code FORMULARY_AUTH_JWKS}); without it no token is accepted and every write is refused
     * @param issuer the tokens' required {@code iss} ({@code FORMULARY_AUTH_ISSUER}; required with a key set)
     * @param audience the tokens' required {@code aud}, or empty for the server's public base URL
     *     ({@code FORMULARY_AUTH_AUDIENCE})
     * @param tokenEndpoint where clients get tokens, advertised in the SMART configuration and the
     *     CapabilityStatement ({@code FORMULARY_AUTH_TOKEN_ENDPOINT})
     * @param privateExport whether Bulk Data {@code $export} (kick-off, status, download) needs a token with read
     *     scopes too ({@code FORMULARY_EXPORT_AUTH}: {@code public}, the default, or {@code private})
     */
    public record Auth(boolean enabled, Optional<String> jwks, Optional<String> issuer, Optional<String> audience,
            Optional<String> tokenEndpoint, boolean privateExport) {

        /** Whether Bulk Data export needs a token: authorization on and export private. */
        public boolean exportNeedsToken() {
            return enabled && privateExport;
        }

        /** The audience tokens must name: the configured one, else {@code baseUrl}. */
        public String audienceOr(String baseUrl) {
            return audience.orElse(baseUrl);
        }
    }

    /**
     * The request limits: a larger body answers 413, a request whose body does not arrive in time answers 408, and
     * the thread pool bounds how many requests run at once (the database pool is
     * {@link DatabaseSettings#poolSize()}).
     *
     * @param maxBodyBytes largest request body in bytes, after gzip decompression too
     *     ({@code FORMULARY_MAX_BODY_BYTES}, 10 MiB)
     * @param requestTimeout how long a connection may stay idle while a request is read (a slow or truncated body),
     *     and an idle keep-alive connection stays open ({@code FORMULARY_REQUEST_TIMEOUT_MS}, 30000 ms)
     * @param httpThreads largest number of HTTP worker threads, Jetty's thread pool ({@code FORMULARY_HTTP_THREADS},
     *     200)
     */
    public record Limits(int maxBodyBytes, Duration requestTimeout, int httpThreads) {}

    /** The FHIR base path under which the REST API is served. */
    public static final String FHIR_PATH = "/fhir";

    public static final String DEFAULT_DB_URL = "jdbc:h2:file:./data/formulary;DB_CLOSE_ON_EXIT=FALSE";

    public static final String DEFAULT_EXPORT_DIR = "./data/export";

    public static final int DEFAULT_HTTP_THREADS = 200;

    /** Jetty needs threads of its own (acceptor, selectors) besides those that serve requests. */
    public static final int MIN_HTTP_THREADS = 8;

    /** Reads the settings from the given environment (normally {@link System#getenv()}). */
    public static Settings fromEnvironment(Map<String, String> env) {
        int defaultCount = intValue(env, "FORMULARY_DEFAULT_COUNT", 20, 1);
        int maxCount = intValue(env, "FORMULARY_MAX_COUNT", 1000, 1);
        if (defaultCount > maxCount) {
            throw new IllegalArgumentException("FORMULARY_DEFAULT_COUNT must not exceed FORMULARY_MAX_COUNT");
        }
        return new Settings(
                intValue(env, "FORMULARY_PORT", 8080, 0),
                new DatabaseSettings(
                        text(env, "FORMULARY_DB_URL").orElse(DEFAULT_DB_URL),
                        text(env, "FORMULARY_DB_USER"),
                        Optional.ofNullable(env.get("FORMULARY_DB_PASSWORD")).filter(s -> !s.isEmpty()),
                        intValue(env, "FORMULARY_DB_POOL_SIZE", DatabaseSettings.DEFAULT_POOL_SIZE, 1)),
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
                Duration.ofMillis(intValue(env, "FORMULARY_SHUTDOWN_TIMEOUT_MS", 20_000, 1)),
                auth(env),
                new Limits(
                        intValue(env, "FORMULARY_MAX_BODY_BYTES", 10 * 1024 * 1024, 1),
                        Duration.ofMillis(intValue(env, "FORMULARY_REQUEST_TIMEOUT_MS", 30_000, 1)),
                        intValue(env, "FORMULARY_HTTP_THREADS", DEFAULT_HTTP_THREADS, MIN_HTTP_THREADS)));
    }

    private static Auth auth(Map<String, String> env) {
        boolean enabled = choice(env, "FORMULARY_AUTH", "on", "off").equals("on");
        Optional<String> jwks = text(env, "FORMULARY_AUTH_JWKS");
        Optional<String> issuer = text(env, "FORMULARY_AUTH_ISSUER");
        if (enabled && jwks.isPresent() && issuer.isEmpty()) {
            throw new IllegalArgumentException("FORMULARY_AUTH_ISSUER is required with FORMULARY_AUTH_JWKS: the"
                    + " issuer (iss) every token must name");
        }
        return new Auth(enabled, jwks, issuer, text(env, "FORMULARY_AUTH_AUDIENCE"),
                text(env, "FORMULARY_AUTH_TOKEN_ENDPOINT"),
                choice(env, "FORMULARY_EXPORT_AUTH", "public", "private").equals("private"));
    }

    /** The value of {@code name}: {@code defaultValue} when unset, else one of the two allowed values. */
    private static String choice(Map<String, String> env, String name, String defaultValue, String other) {
        String value = text(env, name).map(v -> v.toLowerCase(Locale.ROOT)).orElse(defaultValue);
        if (!value.equals(defaultValue) && !value.equals(other)) {
            throw new IllegalArgumentException(name + " must be " + defaultValue + " or " + other + ", was: "
                    + env.get(name));
        }
        return value;
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
        return new Settings(port, database, baseUrl, contentDir, conformanceDir, defaultPageSize, maxPageSize,
                notifications, dir, shutdownTimeout, auth, limits);
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
