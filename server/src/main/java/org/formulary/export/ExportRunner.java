package org.formulary.export;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.formulary.store.ResourceStore;
import org.formulary.store.StoreException;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of a job on an executor thread: marks it in progress, writes the notes of a lenient request, runs the
 * type or reference export, and marks it complete. A cancelled job's files are deleted; a job stopped by a server
 * shutdown stays in progress for the next start to resume; a job that fails is marked failed, keeping the files
 * it finished and adding an OperationOutcome to {@code error[]}. Thread-safe (state is per run).
 */
final class ExportRunner {

    /**
     * How many times a job tries to seal the store up to its transaction time: each try waits for the write in
     * progress, at most the database's lock timeout.
     */
    static final int SEAL_ATTEMPTS = 5;
    static final String REQUEST_NOTES = "errors-request.ndjson";
    static final String FAILURE = "errors-failure.ndjson";

    private static final Logger LOG = LoggerFactory.getLogger(ExportRunner.class);

    private final ResourceStore store;
    private final ExportJobRepository jobs;
    private final ExportFolder folder;
    private final TypeExport typeExport;
    private final ReferenceExport referenceExport;
    private final ExportLines lines;

    ExportRunner(ResourceStore store, ExportJobRepository jobs, ExportFolder folder, TypeExport typeExport,
            ReferenceExport referenceExport, ExportLines lines) {
        this.store = store;
        this.jobs = jobs;
        this.folder = folder;
        this.typeExport = typeExport;
        this.referenceExport = referenceExport;
        this.lines = lines;
    }

    /** Runs job {@code jobId}, unless it was cancelled or the server is stopping. */
    void run(String jobId, JobControl control) {
        try {
            control.checkpoint();
            Optional<ExportJob> found = jobs.find(jobId);
            if (found.isEmpty() || !jobs.start(jobId)) {
                return;
            }
            ExportJob job = found.get();
            seal(job);
            long start = System.nanoTime();
            control.progress("started");
            writeNotes(job);
            if (job.request().focus().isPresent()) {
                referenceExport.run(job, control);
            } else {
                typeExport.run(job, control);
            }
            if (jobs.finish(jobId, ExportStatus.COMPLETE, Instant.now())) {
                List<ExportFile> files = jobs.files(jobId);
                LOG.info("Export job {} complete in {} ms (run {}): {} resources in {} files", jobId,
                        (System.nanoTime() - start) / 1_000_000, job.attempts() + 1,
                        files.stream().filter(f -> f.kind() == ExportFile.Kind.OUTPUT).mapToLong(ExportFile::count)
                                .sum(),
                        files.stream().filter(f -> f.count() > 0).count());
            } else {
                folder.delete(jobId);
            }
        } catch (JobControl.Stopped stopped) {
            if (stopped.cancelled()) {
                folder.delete(jobId);
                LOG.info("Export job {} cancelled; its files are deleted", jobId);
            } else {
                LOG.info("Export job {} stopped by the server shutdown; the next start resumes it", jobId);
            }
        } catch (IOException | RuntimeException e) {
            LOG.error("Export job {} failed", jobId, e);
            fail(jobId, "The export failed: " + e);
        } finally {
            control.ended();
        }
    }

    /**
     * Ends job {@code jobId} as failed: keeps the files it finished, deletes partial ones, and lists an
     * OperationOutcome with {@code message} in {@code error[]}.
     */
    void fail(String jobId, String message) {
        try {
            Set<String> finished = jobs.files(jobId).stream().map(ExportFile::name).collect(Collectors.toSet());
            folder.deleteExcept(jobId, finished);
            long count;
            try (FileSet files = new FileSet(folder, jobId)) {
                files.write(FAILURE, ExportFile.Kind.ERROR, "OperationOutcome",
                        lines.outcome(IssueSeverity.ERROR, IssueType.EXCEPTION, message));
                count = files.count(FAILURE);
                jobs.addFiles(jobId, files.finish());
            }
            if (!jobs.finish(jobId, ExportStatus.FAILED, Instant.now())) {
                folder.delete(jobId);
            }
            LOG.warn("Export job {} marked failed ({} message): {}", jobId, count, message);
        } catch (IOException | RuntimeException e) {
            LOG.error("Could not record the failure of export job {}", jobId, e);
        }
    }

    private void writeNotes(ExportJob job) throws IOException {
        List<String> notes = job.request().notes();
        if (notes.isEmpty() || jobs.files(job.id()).stream().anyMatch(f -> f.name().equals(REQUEST_NOTES))) {
            return;
        }
        try (FileSet files = new FileSet(folder, job.id())) {
            for (String note : notes) {
                files.write(REQUEST_NOTES, ExportFile.Kind.ERROR, "OperationOutcome",
                        lines.outcome(IssueSeverity.WARNING, IssueType.NOTSUPPORTED, note));
            }
            if (!jobs.addFiles(job.id(), files.finish())) {
                throw new JobControl.Stopped(true);
            }
        }
    }

    /**
     * Before its first read, a job waits for the writes stamped up to its transaction time to commit and keeps
     * later writes out of it, so that every run of it reads the same resources.
     */
    private void seal(ExportJob job) {
        for (int attempt = 1; ; attempt++) {
            try {
                store.sealUpTo(job.transactionTime());
                return;
            } catch (StoreException e) {
                if (attempt == SEAL_ATTEMPTS) {
                    throw e;
                }
                LOG.warn("Export job {} waits longer for a write in progress: {}", job.id(), e.getMessage());
            }
        }
    }
}
