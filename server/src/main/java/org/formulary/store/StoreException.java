package org.formulary.store;

/** The database failed in a way the client could not have caused. */
public class StoreException extends RuntimeException {

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
