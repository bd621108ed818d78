package org.formulary.export;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.formulary.store.ResourceStore;
import org.formulary.store.StoredResource;

/**
 * Runs a system- or type-level export: type after type, the store's cursor streams the resources as of the
 * transaction time straight into {@code <Type>.ndjson} (and deletions since {@code _since} into
 * {@code <Type>.deleted.ndjson}). Each finished type is listed in the database at once, so a run resumed after a
 * restart skips the types already written and redoes only the one it was in. Thread-safe (state is per run).
 */
final class TypeExport {

    private final ResourceStore store;
    private final ExportFolder folder;
    private final ExportJobRepository jobs;
    private final ExportLines lines;

    TypeExport(ResourceStore store, ExportFolder folder, ExportJobRepository jobs, ExportLines lines) {
        this.store = store;
        this.folder = folder;
        this.jobs = jobs;
        this.lines = lines;
    }

    /** Exports every type of {@code job} not yet finished. */
    void run(ExportJob job, JobControl control) throws IOException {
        List<ExportFile> done = jobs.files(job.id());
        Set<String> doneNames = done.stream().map(ExportFile::name).collect(Collectors.toSet());
        folder.deleteExcept(job.id(), doneNames);
        long written = outputCount(done);
        List<String> types = job.request().types();
        for (int i = 0; i < types.size(); i++) {
            String type = types.get(i);
            if (doneNames.contains(outputName(type))) {
                continue;
            }
            String step = type + " (type " + (i + 1) + " of " + types.size() + ")";
            control.progress("exporting " + step + ", " + written + " resources written");
            List<ExportFile> files = exportType(job, type, control, step, written);
            if (!jobs.addFiles(job.id(), files)) {
                throw new JobControl.Stopped(true);
            }
            written += outputCount(files);
        }
    }

    private List<ExportFile> exportType(ExportJob job, String type, JobControl control, String step, long before)
            throws IOException {
        Optional<Instant> since = job.request().since();
        String output = outputName(type);
        String deleted = deletedName(type);
        try (FileSet files = new FileSet(folder, job.id())) {
            store.forEachAsOf(type, job.transactionTime(), since, stored -> {
                control.checkpoint();
                write(files, stored, since.isPresent(), output, deleted);
                long count = files.count(output);
                if (count % 1000 == 0 && count > 0) {
                    control.progress("exporting " + step + ", " + (before + count) + " resources written");
                }
            });
            List<ExportFile> finished = new ArrayList<>(files.finish());
            if (finished.stream().noneMatch(f -> f.name().equals(output))) {
                // No file for a type without resources, but the type is done: list it with no lines.
                finished.add(new ExportFile(output, ExportFile.Kind.OUTPUT, type, 0));
            }
            return finished;
        }
    }

    private void write(FileSet files, StoredResource stored, boolean withDeletions, String output, String deleted) {
        try {
            if (!stored.deleted()) {
                files.write(output, ExportFile.Kind.OUTPUT, stored.type(), stored.json());
            } else if (withDeletions) {
                files.write(deleted, ExportFile.Kind.DELETED, "Bundle", lines.deletion(stored));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long outputCount(List<ExportFile> files) {
        return files.stream().filter(f -> f.kind() == ExportFile.Kind.OUTPUT).mapToLong(ExportFile::count).sum();
    }

    /** The output file of {@code type}. */
    static String outputName(String type) {
        return type + ".ndjson";
    }

    /** The file of {@code type}'s deletions. */
    static String deletedName(String type) {
        return type + ".deleted.ndjson";
    }
}
