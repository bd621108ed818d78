package org.formulary.store.jdbc;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.formulary.search.IndexExtractor;
import org.formulary.search.IndexRows;
import org.formulary.search.SearchQuery;
import org.formulary.store.HistoryPage;
import org.formulary.store.HistoryQuery;
import org.formulary.store.ResourceStore;
import org.formulary.store.SearchPage;
import org.formulary.store.StoreException;
import org.formulary.store.StoredResource;
import org.formulary.store.VersionConflictException;
import org.formulary.store.VersionStamp;
import org.formulary.store.WriteOutcome;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * {@link ResourceStore} over plain JDBC and portable SQL (H2 and PostgreSQL). Payloads live in
 * {@code resource_version}, the current-version pointer in {@code resource_current}, search rows in the
 * {@code idx_*} tables. Concurrent writers to one resource are serialised by a row lock on its
 * {@code resource_current} row (or, for a first version, by its primary key). Thread-safe.
 */
public final class JdbcResourceStore implements ResourceStore {

    private static final String UNIQUE_VIOLATION = "23505";
    static final String VERSION_COLUMNS = "v.res_type, v.res_id, v.version_id, v.last_updated, v.deleted, v.content, v.seq";

    private final DataSource dataSource;
    private final FhirContext ctx;
    private final IndexExtractor indexer;
    private final SearchSql searchSql;
    private final SnapshotSql snapshotSql;

    public JdbcResourceStore(DataSource dataSource, FhirContext ctx, IndexExtractor indexer) {
        this.dataSource = dataSource;
        this.ctx = ctx;
        this.indexer = indexer;
        this.searchSql = new SearchSql(dataSource);
        this.snapshotSql = new SnapshotSql(dataSource);
    }

    @Override
    public StoredResource create(IBaseResource resource) {
        String type = ctx.getResourceType(resource);
        return update(type, UUID.randomUUID().toString(), resource, null).resource();
    }

    @Override
    public WriteOutcome update(String type, String id, IBaseResource resource, Long expectedVersion) {
        resource.setId(type + "/" + id);
        String hash = ContentHash.of(ctx, resource);
        IndexRows rows = indexer.extract(resource);
        for (int attempt = 1; ; attempt++) {
            try {
                return Transactions.run(dataSource, c -> write(c, type, id, resource, hash, rows, expectedVersion));
            } catch (SQLException e) {
                // Two first versions of one id raced; the loser retries and now sees the winner's row.
                if (UNIQUE_VIOLATION.equals(e.getSQLState()) && attempt < 3) {
                    continue;
                }
                throw new StoreException("Could not store " + type + "/" + id, e);
            }
        }
    }

    private WriteOutcome write(Connection c, String type, String id, IBaseResource resource, String hash,
            IndexRows rows, Long expectedVersion) throws SQLException {
        long now = ChangeFeed.lock(c);
        CurrentRow current = CurrentRow.lock(c, type, id);
        checkExpected(type, id, current, expectedVersion);
        if (current != null && !current.deleted() && hash.equals(current.hash())) {
            return new WriteOutcome(readVersion(c, current.seq()), false, false);
        }
        long version = current == null ? 1 : current.version() + 1;
        ChangeFeed.advance(c, now);
        resource.getMeta().setVersionId(Long.toString(version));
        resource.getMeta().setLastUpdated(new Date(now));
        resource.setId(type + "/" + id + "/_history/" + version);
        String json = parser().encodeResourceToString(resource);
        long seq = insertVersion(c, type, id, version, now, false, hash, json);
        CurrentRow.upsert(c, current, type, id, version, seq, now, false, hash);
        IndexWriter.clear(c, type, id);
        IndexWriter.insert(c, type, id, rows);
        StoredResource stored = new StoredResource(type, id, version, Instant.ofEpochMilli(now), false, json, seq);
        return new WriteOutcome(stored, current == null || current.deleted(), true);
    }

    @Override
    public Optional<StoredResource> delete(String type, String id, Long expectedVersion) {
        try {
            return Transactions.run(dataSource, c -> {
                long now = ChangeFeed.lock(c);
                CurrentRow current = CurrentRow.lock(c, type, id);
                checkExpected(type, id, current, expectedVersion);
                if (current == null || current.deleted()) {
                    return Optional.empty();
                }
                long version = current.version() + 1;
                ChangeFeed.advance(c, now);
                long seq = insertVersion(c, type, id, version, now, true, null, null);
                CurrentRow.upsert(c, current, type, id, version, seq, now, true, null);
                IndexWriter.clear(c, type, id);
                return Optional.of(new StoredResource(type, id, version, Instant.ofEpochMilli(now), true, null, seq));
            });
        } catch (SQLException e) {
            throw new StoreException("Could not delete " + type + "/" + id, e);
        }
    }

    @Override
    public Optional<StoredResource> read(String type, String id) {
        return queryOne("SELECT " + VERSION_COLUMNS + " FROM resource_current c JOIN resource_version v"
                + " ON v.seq = c.version_seq WHERE c.res_type = ? AND c.res_id = ?", type, id);
    }

    @Override
    public Optional<VersionStamp> currentStamp(String type, String id) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT version_id, last_updated, deleted FROM resource_current WHERE res_type = ? AND res_id = ?")) {
            ps.setString(1, type);
            ps.setString(2, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next()
                        ? Optional.of(new VersionStamp(rs.getLong(1), Instant.ofEpochMilli(rs.getLong(2)), rs.getBoolean(3)))
                        : Optional.empty();
            }
        } catch (SQLException e) {
            throw new StoreException("Could not read the current version of " + type + "/" + id, e);
        }
    }

    @Override
    public Optional<StoredResource> vread(String type, String id, long versionId) {
        return queryOne("SELECT " + VERSION_COLUMNS + " FROM resource_version v"
                + " WHERE v.res_type = ? AND v.res_id = ? AND v.version_id = ?", type, id, versionId);
    }

    @Override
    public HistoryPage history(HistoryQuery query) {
        return searchSql.history(query);
    }

    @Override
    public SearchPage search(SearchQuery query) {
        return searchSql.search(query);
    }

    @Override
    public List<StoredResource> referencedBy(
            String sourceType, Collection<String> sourceIds, String param, Optional<String> targetType, int limit) {
        return IncludeSql.referencedBy(dataSource, sourceType, sourceIds, param, targetType, limit);
    }

    @Override
    public List<StoredResource> referencing(String type, String param, Collection<String> targets, int limit) {
        return IncludeSql.referencing(dataSource, type, param, targets, limit);
    }

    @Override
    public void forEachAsOf(String type, Instant asOf, Optional<Instant> since, Consumer<StoredResource> action) {
        snapshotSql.forEach(type, asOf, since, action);
    }

    @Override
    public Optional<StoredResource> readAsOf(String type, String id, Instant asOf) {
        return snapshotSql.read(type, id, asOf);
    }

    private static void checkExpected(String type, String id, CurrentRow current, Long expectedVersion) {
        if (expectedVersion == null) {
            return;
        }
        if (current == null || current.version() != expectedVersion) {
            throw new VersionConflictException("Version conflict on " + type + "/" + id + ": If-Match asked for version "
                    + expectedVersion + " but the current version is "
                    + (current == null ? "none (the resource does not exist)" : current.version()));
        }
    }

    private static long insertVersion(Connection c, String type, String id, long version, long now, boolean deleted,
            String hash, String json) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO resource_version (res_type, res_id, version_id, last_updated, deleted, content_hash, content)"
                        + " VALUES (?,?,?,?,?,?,?)",
                new String[] {"seq"})) {
            ps.setString(1, type);
            ps.setString(2, id);
            ps.setLong(3, version);
            ps.setLong(4, now);
            ps.setBoolean(5, deleted);
            ps.setString(6, hash);
            ps.setString(7, json);
            ps.executeUpdate();
            try (ResultSet keys = ps.getGeneratedKeys()) {
                keys.next();
                return keys.getLong(1);
            }
        }
    }

    private StoredResource readVersion(Connection c, long seq) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + VERSION_COLUMNS + " FROM resource_version v WHERE v.seq = ?")) {
            ps.setLong(1, seq);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return Rows.stored(rs);
            }
        }
    }

    private Optional<StoredResource> queryOne(String sql, Object... args) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(Rows.stored(rs)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new StoreException("Could not read", e);
        }
    }

    private IParser parser() {
        return ctx.newJsonParser();
    }
}
