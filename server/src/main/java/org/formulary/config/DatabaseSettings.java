package org.formulary.config;

import java.util.Optional;

/**
 * Where the server stores its data and how many connections it keeps open. Immutable and thread-safe; its
 * {@link #toString()} shows neither the password nor the URL's parameters (which may carry one).
 *
 * @param url JDBC URL: {@code jdbc:h2:...} or {@code jdbc:postgresql://...} ({@code FORMULARY_DB_URL}, default an
 *     H2 file database under ./data/)
 * @param user database user, if not given in the URL ({@code FORMULARY_DB_USER}; H2 defaults to {@code sa})
 * @param password the user's password, if not given in the URL ({@code FORMULARY_DB_PASSWORD})
 * @param poolSize most connections the pool opens ({@code FORMULARY_DB_POOL_SIZE}, 10)
 */
public record DatabaseSettings(String url, Optional<String> user, Optional<String> password, int poolSize) {

    /** The databases the server runs on, told apart by the JDBC URL's prefix. */
    public enum Vendor {
        H2("jdbc:h2:"),
        POSTGRESQL("jdbc:postgresql:");

        private final String urlPrefix;

        Vendor(String urlPrefix) {
            this.urlPrefix = urlPrefix;
        }
    }

    public static final int DEFAULT_POOL_SIZE = 10;

    /** Rejects a URL of a database the server does not run on (naming only its scheme: URLs carry passwords). */
    public DatabaseSettings {
        vendorOf(url);
        if (poolSize < 1) {
            throw new IllegalArgumentException("FORMULARY_DB_POOL_SIZE must be at least 1, was: " + poolSize);
        }
    }

    /** A database at {@code url} with the default pool size and the credentials the URL carries, if any. */
    public static DatabaseSettings of(String url) {
        return new DatabaseSettings(url, Optional.empty(), Optional.empty(), DEFAULT_POOL_SIZE);
    }

    /** Which database the URL names. */
    public Vendor vendor() {
        return vendorOf(url);
    }

    private static Vendor vendorOf(String url) {
        for (Vendor vendor : Vendor.values()) {
            if (url.startsWith(vendor.urlPrefix)) {
                return vendor;
            }
        }
        int schemeEnd = url.indexOf(':', url.indexOf(':') + 1);
        String shown = schemeEnd < 0 ? "a URL without a jdbc:<database>: prefix" : url.substring(0, schemeEnd + 1) + "...";
        throw new IllegalArgumentException("FORMULARY_DB_URL must be a jdbc:h2: or jdbc:postgresql: URL, was: " + shown);
    }

    @Override
    public String toString() {
        int parameters = url.replaceFirst("[?;].*", "").length();
        return "DatabaseSettings[url=" + url.substring(0, parameters) + (parameters < url.length() ? "..." : "")
                + ", user=" + user.orElse("(default)") + ", password="
                + (password.isPresent() ? "(set)" : "(not set)") + ", poolSize=" + poolSize + "]";
    }
}
