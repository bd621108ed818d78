package org.formulary.auth;

import java.util.List;

/**
 * What a request needs: nothing (a public request), or a valid bearer token whose scopes grant every one of
 * {@code permissions} (none: any valid token). Immutable and thread-safe.
 *
 * @param tokenNeeded whether the request needs a valid bearer token
 * @param permissions what the token's scopes must grant
 */
public record RequiredAccess(boolean tokenNeeded, List<Permission> permissions) {

    /** A request anyone may send. */
    public static final RequiredAccess PUBLIC = new RequiredAccess(false, List.of());

    public RequiredAccess {
        permissions = List.copyOf(permissions);
    }

    /** A request that needs a valid token granting {@code permissions}. */
    public static RequiredAccess token(List<Permission> permissions) {
        return new RequiredAccess(true, permissions);
    }
}
