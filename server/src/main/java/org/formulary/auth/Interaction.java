package org.formulary.auth;

/**
 * The SMART v2 interactions a scope grants, each with its letter in the scope's permission part
 * ({@code system/Medication.cruds}).
 */
public enum Interaction {
    CREATE('c'),
    READ('r'),
    UPDATE('u'),
    DELETE('d'),
    SEARCH('s');

    private final char letter;

    Interaction(char letter) {
        this.letter = letter;
    }

    /** The letter of this interaction in a SMART v2 scope. */
    public char letter() {
        return letter;
    }
}
