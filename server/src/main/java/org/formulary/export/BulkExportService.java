package org.formulary.export;

import ca.uhn.fhir.context.FhirContext;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.apache.commons.lang3.concurrent.BasicThreadFactory;
import org.formulary.store.ResourceStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bulk Data export jobs: kick-off, status, files and cancel, with the jobs persisted in the database and run on a
 * small executor owned by this service. Every job exports the resources as they stood at its transaction time
 * (read from the {@link ResourceStore} only), so it can be resumed after a restart with the same result; a job that
 * was interrupted {@value #MAX_ATTEMPTS} times is marked failed instead. Files live under the export folder, one
 * sub-folder per job, until the client deletes the job. Thread-safe.
 */
public final class BulkExportService implements AutoCloseable {

    /** Worker threads: exports are I/O-bound and mostly small; two keep one long export from blocking others. */
    static final int THREADS = 2;
    /** Runs a job may start before an interrupted job is given up and marked failed. */
    static final int MAX_ATTEMPTS = 3;

    private static final Logger LOG = LoggerFactory.getLogger(BulkExportService.class);
    private static final long CANCEL_WAIT_MILLIS = 10_000;
    private static final long SHUTDOWN_WAIT_SECONDS = 10;

    private final ExportJobRepository jobs;
    private final ExportFolder folder;
    private final ExportRunner runner;
    private final ExecutorService executor;
    private final ConcurrentMap<String, JobControl> controls = new ConcurrentHashMap<>();

    /**
     * The state of a job for a status request.
     *
     * @param job the job
     * @param files its listed files (all of them once it has finished)
     * @param progress a short description of where a running job is, for {@code X-Progress}
     */
    public record JobState(ExportJob job, List<ExportFile> files, String progress) {}

    /**
     * @param servedTypes the types this server serves: where an instance-level export looks for the resources that
     *     refer to its focus
     */
    public BulkExportService(ResourceStore store, FhirContext ctx, DataSource dataSource, Path exportDir,
            Set<String> servedTypes) {
        this.jobs = new ExportJobRepository(dataSource);
        this.folder = new ExportFolder(exportDir);
        ExportLines lines = new ExportLines(ctx);
        this.runner = new ExportRunner(store, jobs, folder, new TypeExport(store, folder, jobs, lines),
                new ReferenceExport(store, ctx, folder, jobs, lines, servedTypes), lines);
        this.executor = Executors.newFixedThreadPool(THREADS,
                BasicThreadFactory.builder().namingPattern("bulk-export-%d").daemon(true).build());
    }

    /** Stores a new job for {@code request}, as of now, and queues it. */
    public ExportJob kickOff(ExportRequest request) {
        Instant now = Instant.ofEpochMilli(System.currentTimeMillis());
        ExportJob job = new ExportJob(UUID.randomUUID().toString(), ExportStatus.ACCEPTED, request, now, 0, now,
                Optional.empty());
        jobs.insert(job);
        submit(job.id());
        LOG.info("Export job {} accepted: {}", job.id(), request.requestUrl());
        return job;
    }

    /** The state of job {@code jobId}, unless there is no such job (never was, or deleted). */
    public Optional<JobState> state(String jobId) {
        if (!ExportFolder.isJobId(jobId)) {
            return Optional.empty();
        }
        return jobs.find(jobId).map(job -> new JobState(job,
                job.status().finished() ? jobs.files(jobId) : List.of(), progress(job)));
    }

    /**
     * Cancels job {@code jobId} if it is still running and deletes it with its files. Returns false if there was no
     * such job.
     */
    public boolean cancel(String jobId) {
        if (!ExportFolder.isJobId(jobId) || !jobs.delete(jobId)) {
            return false;
        }
        JobControl control = controls.get(jobId);
        if (control != null) {
            control.cancel();
            if (!control.awaitEnd(CANCEL_WAIT_MILLIS)) {
                LOG.warn("Export job {} is still running after cancel; it deletes its files when it stops", jobId);
            }
        }
        folder.delete(jobId);
        LOG.info("Export job {} deleted", jobId);
        return true;
    }

    /** File {@code name} of finished job {@code jobId}, if the job lists it with at least one line. */
    public Optional<Path> file(String jobId, String name) {
        Optional<JobState> state = state(jobId);
        boolean listed = state.isPresent() && state.get().job().status().finished()
                && state.get().files().stream().anyMatch(f -> f.name().equals(name) && f.count() > 0);
        return listed ? folder.existing(jobId, name) : Optional.empty();
    }

    /**
     * Queues the jobs that were accepted or running when the server stopped; a job already started
     * {@value #MAX_ATTEMPTS} times is marked failed instead. Returns how many were resumed.
     */
    public int resumeUnfinished() {
        int resumed = 0;
        for (ExportJob job : jobs.unfinished()) {
            if (job.attempts() >= MAX_ATTEMPTS) {
                runner.fail(job.id(), "The export was interrupted by a server stop " + job.attempts()
                        + " times and is not resumed again; kick off a new export");
            } else {
                submit(job.id());
                resumed++;
            }
        }
        if (resumed > 0) {
            LOG.info("Resuming {} unfinished export job(s)", resumed);
        }
        return resumed;
    }

    /**
     * Stops the workers: running jobs stop at their next resource and stay in progress, queued jobs stay accepted;
     * both resume at the next start.
     */
    @Override
    public void close() {
        controls.values().forEach(JobControl::stop);
        executor.shutdown();
        try {
            if (!executor.awaitTermination(SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS)) {
                LOG.warn("Export workers did not stop within {} s", SHUTDOWN_WAIT_SECONDS);
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private String progress(ExportJob job) {
        JobControl control = controls.get(job.id());
        if (job.status().finished()) {
            return job.status().code();
        }
        return control == null ? "waiting to resume" : control.progress();
    }

    private void submit(String jobId) {
        JobControl control = new JobControl();
        controls.put(jobId, control);
        try {
            executor.execute(() -> {
                try {
                    runner.run(jobId, control);
                } finally {
                    controls.remove(jobId, control);
                }
            });
        } catch (RejectedExecutionException e) {
            controls.remove(jobId, control);
            LOG.warn("Export job {} not queued: the server is stopping; the next start runs it", jobId);
        }
    }
}
