package org.formulary.http;

/**
 * The read a request path asks for: {@code [type]/[id]} (the current version) or {@code [type]/[id]/_history/[vid]}
 * after the FHIR base, with the ids the server's read path accepts ({@code [A-Z][A-Za-z]{1,63}},
 * {@code [A-Za-z0-9\-.]{1,64}}, {@code [0-9]{1,18}}). Parsed by hand: it runs on every request of the fast path.
 *
 * @param type the resource type
 * @param id the resource id
 * @param version the version of a vread, or -1 for the current version
 */
record ReadPath(String type, String id, long version) {

    private static final String HISTORY = "/_history/";

    boolean vread() {
        return version >= 0;
    }

    /** The read {@code path} asks for after its first {@code from} characters (the base), or null if none. */
    static ReadPath parse(String path, int from) {
        int typeEnd = path.indexOf('/', from);
        if (typeEnd < 0 || !isType(path, from, typeEnd)) {
            return null;
        }
        int history = path.indexOf(HISTORY, typeEnd + 1);
        int idEnd = history < 0 ? path.length() : history;
        if (!isId(path, typeEnd + 1, idEnd)) {
            return null;
        }
        long version = -1;
        if (history >= 0) {
            int versionStart = history + HISTORY.length();
            if (!isVersion(path, versionStart)) {
                return null;
            }
            version = Long.parseLong(path, versionStart, path.length(), 10);
        }
        return new ReadPath(path.substring(from, typeEnd), path.substring(typeEnd + 1, idEnd), version);
    }

    private static boolean isType(String path, int from, int to) {
        if (to - from < 2 || to - from > 64 || path.charAt(from) < 'A' || path.charAt(from) > 'Z') {
            return false;
        }
        for (int i = from + 1; i < to; i++) {
            char c = path.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z')) {
                return false;
            }
        }
        return true;
    }

    private static boolean isId(String path, int from, int to) {
        if (to - from < 1 || to - from > 64) {
            return false;
        }
        for (int i = from; i < to; i++) {
            char c = path.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.')) {
                return false;
            }
        }
        return true;
    }

    private static boolean isVersion(String path, int from) {
        int length = path.length() - from;
        if (length < 1 || length > 18) {
            return false;
        }
        for (int i = from; i < path.length(); i++) {
            if (path.charAt(i) < '0' || path.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }
}
