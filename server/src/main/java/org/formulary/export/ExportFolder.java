package org.formulary.export;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Where export files live: {@code <root>/<job id>/<file name>}, e.g. {@code data/export/0b5e.../Medication.ndjson}.
 * Job ids are UUIDs and file names are made by the server, and both are checked before any path is built, so a
 * request can never reach outside the root. Thread-safe (stateless apart from the root).
 */
final class ExportFolder {

    private static final Pattern JOB_ID =
            Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.\\-]{0,127}");

    private final Path root;

    ExportFolder(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** Whether {@code id} has the shape of a job id this server makes. */
    static boolean isJobId(String id) {
        return id != null && JOB_ID.matcher(id).matches();
    }

    /** The folder of job {@code jobId}. */
    Path jobDir(String jobId) {
        if (!isJobId(jobId)) {
            throw new IllegalArgumentException("Not a job id: " + jobId);
        }
        return root.resolve(jobId);
    }

    /** The file {@code name} of job {@code jobId}, if it exists. */
    Optional<Path> existing(String jobId, String name) {
        if (!isJobId(jobId) || name == null || !FILE_NAME.matcher(name).matches()) {
            return Optional.empty();
        }
        Path file = jobDir(jobId).resolve(name);
        return Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
    }

    /** Creates (or truncates) file {@code name} of job {@code jobId} for writing. */
    NdjsonWriter create(String jobId, String name) throws IOException {
        if (!FILE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("Not an export file name: " + name);
        }
        Path dir = Files.createDirectories(jobDir(jobId));
        return new NdjsonWriter(dir.resolve(name));
    }

    /** Deletes the files of job {@code jobId} except those named in {@code keep}; the folder stays. */
    void deleteExcept(String jobId, Set<String> keep) {
        Path dir = jobDir(jobId);
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                if (!keep.contains(file.getFileName().toString())) {
                    Files.deleteIfExists(file);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not clean " + dir, e);
        }
    }

    /** Deletes job {@code jobId}'s folder and everything in it. */
    void delete(String jobId) {
        Path dir = jobDir(jobId);
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not delete " + dir, e);
        }
    }
}
