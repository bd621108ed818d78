package org.formulary.export;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The in-memory side of one submitted job: its progress text for {@code X-Progress}, and the flags that stop it.
 * Workers call {@link #checkpoint()} between resources, so a stop takes effect within one resource; nothing
 * interrupts threads (an interrupt can close the database's file channel). Thread-safe: the worker writes, request
 * threads read and set flags.
 */
final class JobControl {

    private volatile String progress = "queued";
    private volatile boolean cancelled;
    private volatile boolean stopping;
    private final CountDownLatch ended = new CountDownLatch(1);

    /** Thrown at a checkpoint after {@link #cancel()} or {@link #stop()}. */
    static final class Stopped extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final boolean cancelled;

        Stopped(boolean cancelled) {
            super(cancelled ? "export job cancelled" : "server stopping", null, false, false);
            this.cancelled = cancelled;
        }

        /** True for a client's cancel, false for a server shutdown (the job resumes after the restart). */
        boolean cancelled() {
            return cancelled;
        }
    }

    String progress() {
        return progress;
    }

    void progress(String text) {
        progress = text.length() > 99 ? text.substring(0, 99) : text;
    }

    /** The client cancelled the job: stop and delete its files. */
    void cancel() {
        cancelled = true;
    }

    /** The server is stopping: stop, keep the job in progress so that the next start resumes it. */
    void stop() {
        stopping = true;
    }

    boolean cancelled() {
        return cancelled;
    }

    /** Throws {@link Stopped} if the job was cancelled or the server is stopping. */
    void checkpoint() {
        if (cancelled || stopping) {
            throw new Stopped(cancelled);
        }
    }

    /** Called by the worker when its run ends, however it ends. */
    void ended() {
        ended.countDown();
    }

    /** Waits up to {@code millis} for the run to end; true if it did. */
    boolean awaitEnd(long millis) {
        try {
            return ended.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
