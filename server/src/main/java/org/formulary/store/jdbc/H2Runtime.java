package org.formulary.store.jdbc;

/**
 * JVM-wide settings of the H2 engine, which it reads once, when its first class loads; so they are set before the
 * first H2 database is opened, and a value given on the command line ({@code -Dh2.objectCache=true}) is kept.
 *
 * <ul>
 *   <li>{@code h2.objectCache=false}: H2 looks every string it reads from a page up in a small cache of recent
 *       values, hashing it whole first. For this server's values, whole JSON resources, the look-up never finds
 *       anything and the hashing was an eighth of a Bulk Data export's CPU.
 * </ul>
 *
 * Thread-safe: setting the same system property twice is harmless.
 */
final class H2Runtime {

    private static final String OBJECT_CACHE = "h2.objectCache";

    private H2Runtime() {}

    /** Applies the settings, unless already given, to the H2 engine this JVM loads. */
    static void configure() {
        if (System.getProperty(OBJECT_CACHE) == null) {
            System.setProperty(OBJECT_CACHE, "false");
        }
    }
}
