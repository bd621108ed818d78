package org.formulary.export;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The files one step of a job writes, each opened on its first line (a type without resources gets no file).
 * {@link #finish()} closes them and says what was written; {@link #close()} only closes, after a failure. Not
 * thread-safe: owned by one worker.
 */
final class FileSet implements AutoCloseable {

    private record Open(ExportFile.Kind kind, String type, NdjsonWriter writer) {}

    private final ExportFolder folder;
    private final String jobId;
    private final Map<String, Open> open = new LinkedHashMap<>();

    FileSet(ExportFolder folder, String jobId) {
        this.folder = folder;
        this.jobId = jobId;
    }

    /** Appends {@code json} to file {@code name}, which holds lines of {@code type} for the manifest's {@code kind}. */
    void write(String name, ExportFile.Kind kind, String type, String json) throws IOException {
        Open file = open.get(name);
        if (file == null) {
            file = new Open(kind, type, folder.create(jobId, name));
            open.put(name, file);
        }
        file.writer().write(json);
    }

    /** Lines written to file {@code name} so far. */
    long count(String name) {
        Open file = open.get(name);
        return file == null ? 0 : file.writer().count();
    }

    /** Closes every file and lists them. */
    List<ExportFile> finish() throws IOException {
        List<ExportFile> files = new ArrayList<>();
        for (Map.Entry<String, Open> e : open.entrySet()) {
            Open file = e.getValue();
            file.writer().close();
            files.add(new ExportFile(e.getKey(), file.kind(), file.type(), file.writer().count()));
        }
        open.clear();
        return files;
    }

    @Override
    public void close() {
        for (Open file : open.values()) {
            try {
                file.writer().close();
            } catch (IOException e) {
                // The file is incomplete and will be deleted; nothing more to do with it.
            }
        }
        open.clear();
    }
}
