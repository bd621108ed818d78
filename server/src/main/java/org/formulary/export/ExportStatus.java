package org.formulary.export;

import java.util.Arrays;

/** The state of an export job as stored in {@code export_job.status}. Immutable, thread-safe. */
public enum ExportStatus {
    /** Kicked off, waiting for an executor thread. */
    ACCEPTED("accepted"),
    /** Running (or interrupted by a shutdown and waiting to be resumed). */
    IN_PROGRESS("in-progress"),
    /** Every file written; the manifest is final. */
    COMPLETE("complete"),
    /** Stopped by an error; the manifest lists the files finished before it and the error. */
    FAILED("failed");

    private final String code;

    ExportStatus(String code) {
        this.code = code;
    }

    /** The value stored in the database. */
    public String code() {
        return code;
    }

    /** Whether the job has ended, so that its manifest can be served. */
    public boolean finished() {
        return this == COMPLETE || this == FAILED;
    }

    /** The status stored as {@code code}. */
    public static ExportStatus fromCode(String code) {
        return Arrays.stream(values()).filter(s -> s.code.equals(code)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("Unknown export status: " + code));
    }
}
