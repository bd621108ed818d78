package org.formulary.store;

/** A conditional write found a different current version than the one the client expected. */
public class VersionConflictException extends RuntimeException {

    public VersionConflictException(String message) {
        super(message);
    }
}
