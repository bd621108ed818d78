package org.formulary.export;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.formulary.store.StoreException;

/**
 * The export jobs and their finished files in the database ({@code export_job}, {@code export_file}), in portable
 * SQL. The database row is the truth about a job: a cancelled job has no row, and a worker that finds its row gone
 * stops. Thread-safe (every call uses its own connection).
 */
public final class ExportJobRepository {

    private static final String JOB_COLUMNS = "job_id, status, request_url, base_url, res_types, since_ms, focus_type,"
            + " focus_id, transaction_time, notes, attempts, created_at, finished_at";
    private static final int NOTES_MAX = 4000;

    private final DataSource dataSource;

    public ExportJobRepository(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Stores a new job. */
    public void insert(ExportJob job) {
        ExportRequest r = job.request();
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("INSERT INTO export_job (" + JOB_COLUMNS + ")"
                        + " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
            ps.setString(1, job.id());
            ps.setString(2, job.status().code());
            ps.setString(3, r.requestUrl());
            ps.setString(4, r.baseUrl());
            ps.setString(5, String.join(",", r.types()));
            setLong(ps, 6, r.since().map(Instant::toEpochMilli));
            ps.setString(7, r.focus().map(ResourceId::type).orElse(null));
            ps.setString(8, r.focus().map(ResourceId::id).orElse(null));
            ps.setLong(9, job.transactionTime().toEpochMilli());
            String notes = String.join("\n", r.notes());
            ps.setString(10, notes.isEmpty() ? null : notes.substring(0, Math.min(notes.length(), NOTES_MAX)));
            ps.setInt(11, job.attempts());
            ps.setLong(12, job.createdAt().toEpochMilli());
            setLong(ps, 13, job.finishedAt().map(Instant::toEpochMilli));
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("Could not store export job " + job.id(), e);
        }
    }

    /** The job {@code id}, unless it never existed or was cancelled. */
    public Optional<ExportJob> find(String id) {
        List<ExportJob> jobs = query("SELECT " + JOB_COLUMNS + " FROM export_job WHERE job_id = ?", id);
        return jobs.stream().findFirst();
    }

    /** Jobs that were accepted or running when the server last stopped, oldest first. */
    public List<ExportJob> unfinished() {
        return query("SELECT " + JOB_COLUMNS + " FROM export_job WHERE status IN (?, ?) ORDER BY created_at, job_id",
                ExportStatus.ACCEPTED.code(), ExportStatus.IN_PROGRESS.code());
    }

    /**
     * Marks a run of job {@code id} as started (in progress, one more attempt). Returns false if the job is gone
     * or already finished, in which case the run must not start.
     */
    public boolean start(String id) {
        return update("UPDATE export_job SET status = ?, attempts = attempts + 1 WHERE job_id = ? AND status IN (?, ?)",
                ExportStatus.IN_PROGRESS.code(), id, ExportStatus.ACCEPTED.code(), ExportStatus.IN_PROGRESS.code()) > 0;
    }

    /** Ends a running job with {@code status}; false if the job was cancelled meanwhile. */
    public boolean finish(String id, ExportStatus status, Instant at) {
        return update("UPDATE export_job SET status = ?, finished_at = ? WHERE job_id = ? AND status = ?",
                status.code(), at.toEpochMilli(), id, ExportStatus.IN_PROGRESS.code()) > 0;
    }

    /** Removes job {@code id} and its file list; false if there was no such job. */
    public boolean delete(String id) {
        return update("DELETE FROM export_job WHERE job_id = ?", id) > 0;
    }

    /**
     * Lists finished files of job {@code id} in one transaction, replacing any earlier entry of the same name.
     * Returns false (and lists nothing) if the job was cancelled meanwhile: the job's row is locked first, so a
     * concurrent cancel either happens before (and this lists nothing) or waits until the files are listed.
     */
    public boolean addFiles(String id, List<ExportFile> files) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                boolean exists;
                try (PreparedStatement lock = c.prepareStatement(
                        "SELECT job_id FROM export_job WHERE job_id = ? FOR UPDATE")) {
                    lock.setString(1, id);
                    try (ResultSet rs = lock.executeQuery()) {
                        exists = rs.next();
                    }
                }
                if (exists) {
                    for (ExportFile file : files) {
                        replaceFile(c, id, file);
                    }
                }
                c.commit();
                return exists;
            } catch (SQLException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new StoreException("Could not list the files of export job " + id, e);
        }
    }

    private static void replaceFile(Connection c, String id, ExportFile file) throws SQLException {
        try (PreparedStatement del = c.prepareStatement("DELETE FROM export_file WHERE job_id = ? AND file_name = ?")) {
            del.setString(1, id);
            del.setString(2, file.name());
            del.executeUpdate();
        }
        try (PreparedStatement ins = c.prepareStatement("INSERT INTO export_file"
                + " (job_id, file_name, kind, res_type, line_count) VALUES (?,?,?,?,?)")) {
            ins.setString(1, id);
            ins.setString(2, file.name());
            ins.setString(3, file.kind().code());
            ins.setString(4, file.type());
            ins.setLong(5, file.count());
            ins.executeUpdate();
        }
    }

    /** The finished files of job {@code id}, by name. */
    public List<ExportFile> files(String id) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT f.file_name, f.kind, f.res_type, f.line_count"
                        + " FROM export_file f WHERE f.job_id = ? ORDER BY f.file_name")) {
            ps.setString(1, id);
            List<ExportFile> files = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    files.add(new ExportFile(rs.getString(1), ExportFile.Kind.fromCode(rs.getString(2)),
                            rs.getString(3), rs.getLong(4)));
                }
            }
            return files;
        } catch (SQLException e) {
            throw new StoreException("Could not read the files of export job " + id, e);
        }
    }

    private List<ExportJob> query(String sql, String... args) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setString(i + 1, args[i]);
            }
            List<ExportJob> jobs = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    jobs.add(job(rs));
                }
            }
            return jobs;
        } catch (SQLException e) {
            throw new StoreException("Could not read export jobs", e);
        }
    }

    private int update(String sql, Object... args) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("Could not update export jobs", e);
        }
    }

    private static ExportJob job(ResultSet rs) throws SQLException {
        String focusType = rs.getString(7);
        Optional<ResourceId> focus = focusType == null
                ? Optional.empty()
                : Optional.of(new ResourceId(focusType, rs.getString(8)));
        String types = rs.getString(5);
        String notes = rs.getString(10);
        ExportRequest request = new ExportRequest(rs.getString(3), rs.getString(4),
                types.isEmpty() ? List.of() : Arrays.asList(types.split(",")),
                optionalInstant(rs, 6), focus,
                notes == null ? List.of() : Arrays.asList(notes.split("\n")));
        return new ExportJob(rs.getString(1), ExportStatus.fromCode(rs.getString(2)), request,
                Instant.ofEpochMilli(rs.getLong(9)), rs.getInt(11), Instant.ofEpochMilli(rs.getLong(12)),
                optionalInstant(rs, 13));
    }

    private static Optional<Instant> optionalInstant(ResultSet rs, int column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(value));
    }

    private static void setLong(PreparedStatement ps, int index, Optional<Long> value) throws SQLException {
        if (value.isPresent()) {
            ps.setLong(index, value.get());
        } else {
            ps.setNull(index, Types.BIGINT);
        }
    }
}
