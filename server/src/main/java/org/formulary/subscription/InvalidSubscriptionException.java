package org.formulary.subscription;

/**
 * A Subscription this server cannot run: unsupported channel, malformed endpoint or header, or criteria that are
 * not a search the server can answer. The message names the element and says what is wrong. Immutable.
 */
public final class InvalidSubscriptionException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String element;

    /**
     * @param element the FHIRPath of the offending element, e.g. {@code Subscription.criteria}
     * @param message what is wrong with it
     */
    public InvalidSubscriptionException(String element, String message) {
        super(element + ": " + message);
        this.element = element;
    }

    /** The FHIRPath of the offending element. */
    public String element() {
        return element;
    }
}
