package org.formulary.http;

/**
 * Where the server is in its life: starting (HTTP answers, but content or validator are not ready), ready, or
 * stopping. Moves only forward. Thread-safe: any thread may read it while the lifecycle thread moves it.
 */
public final class Readiness {

    /** The phases of the server's life, in order. */
    public enum State {
        /** HTTP is up; the content is loading or the validator is warming. */
        STARTING,
        /** Everything is loaded; FHIR requests are served. */
        READY,
        /** A shutdown began; load balancers should send no more traffic. */
        STOPPING
    }

    private volatile State state = State.STARTING;

    /** The current state. */
    public State state() {
        return state;
    }

    /** Whether the server serves FHIR requests and should receive traffic. */
    public boolean isReady() {
        return state == State.READY;
    }

    void markReady() {
        if (state == State.STARTING) {
            state = State.READY;
        }
    }

    void markStopping() {
        state = State.STOPPING;
    }
}
