package org.formulary.export;

import java.time.Instant;
import java.util.Optional;

/**
 * One export job as stored in {@code export_job}. Immutable, thread-safe.
 *
 * @param id the job id (a UUID), the {@code _jobId} of the status URL
 * @param status where the job stands
 * @param request what was asked for
 * @param transactionTime the instant every resource is exported as of, the manifest's {@code transactionTime}
 * @param attempts how many runs have started (more than one after a restart)
 * @param createdAt when the job was kicked off
 * @param finishedAt when it completed or failed
 */
public record ExportJob(
        String id,
        ExportStatus status,
        ExportRequest request,
        Instant transactionTime,
        int attempts,
        Instant createdAt,
        Optional<Instant> finishedAt) {}
