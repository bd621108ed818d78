package org.formulary.store.jdbc;

import ca.uhn.fhir.context.FhirContext;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Date;
import java.util.Optional;
import java.util.UUID;
import org.formulary.search.IndexExtractor;
import org.formulary.search.IndexRows;
import org.formulary.search.SearchQuery;
import org.formulary.store.ResourceWriter;
import org.formulary.store.SearchPage;
import org.formulary.store.StoreException;
import org.formulary.store.StoredResource;
import org.formulary.store.VersionConflictException;
import org.formulary.store.WriteOutcome;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * The writes and reads of one database transaction that holds the change-feed lock ({@link ChangeFeed#lock}):
 * every version it stores gets the same lastUpdated, and its reads see its own writes. Concurrent writers to one
 * resource are serialised by that lock and by the row lock on the resource's {@code resource_current} row. Used
 * only on the thread that runs the transaction, while it runs; not thread-safe.
 */
final class JdbcWriter implements ResourceWriter {

    private final Connection c;
    private final FhirContext ctx;
    private final IndexExtractor indexer;
    private final SearchSql searchSql;
    private final long now;
    private boolean advanced;

    JdbcWriter(Connection c, FhirContext ctx, IndexExtractor indexer, SearchSql searchSql) throws SQLException {
        this.c = c;
        this.ctx = ctx;
        this.indexer = indexer;
        this.searchSql = searchSql;
        this.now = ChangeFeed.lock(c);
    }

    @Override
    public StoredResource create(IBaseResource resource) {
        return update(ctx.getResourceType(resource), UUID.randomUUID().toString(), resource, null).resource();
    }

    @Override
    public WriteOutcome update(String type, String id, IBaseResource resource, Long expectedVersion) {
        try {
            resource.setId(type + "/" + id);
            String hash = ContentHash.of(ctx, resource);
            CurrentRow current = CurrentRow.lock(c, type, id);
            checkExpected(type, id, current, expectedVersion);
            if (current != null && !current.deleted() && hash.equals(current.hash())) {
                return new WriteOutcome(readVersion(current.seq()), false, false);
            }
            IndexRows rows = indexer.extract(resource);
            long version = current == null ? 1 : current.version() + 1;
            advance();
            resource.getMeta().setVersionId(Long.toString(version));
            resource.getMeta().setLastUpdated(new Date(now));
            resource.setId(type + "/" + id + "/_history/" + version);
            String json = ctx.newJsonParser().encodeResourceToString(resource);
            long seq = insertVersion(type, id, version, false, hash, json);
            CurrentRow.upsert(c, current, type, id, version, seq, now, false, hash);
            IndexWriter.clear(c, type, id);
            IndexWriter.insert(c, type, id, rows);
            StoredResource stored = new StoredResource(type, id, version, Instant.ofEpochMilli(now), false, json, seq);
            return new WriteOutcome(stored, current == null || current.deleted(), true);
        } catch (SQLException e) {
            throw new StoreException("Could not store " + type + "/" + id, e);
        }
    }

    @Override
    public Optional<StoredResource> delete(String type, String id, Long expectedVersion) {
        try {
            CurrentRow current = CurrentRow.lock(c, type, id);
            checkExpected(type, id, current, expectedVersion);
            if (current == null || current.deleted()) {
                return Optional.empty();
            }
            long version = current.version() + 1;
            advance();
            long seq = insertVersion(type, id, version, true, null, null);
            CurrentRow.upsert(c, current, type, id, version, seq, now, true, null);
            IndexWriter.clear(c, type, id);
            return Optional.of(new StoredResource(type, id, version, Instant.ofEpochMilli(now), true, null, seq));
        } catch (SQLException e) {
            throw new StoreException("Could not delete " + type + "/" + id, e);
        }
    }

    @Override
    public Optional<StoredResource> read(String type, String id) {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + JdbcResourceStore.VERSION_COLUMNS
                + " FROM resource_current c JOIN resource_version v ON v.seq = c.version_seq"
                + " WHERE c.res_type = ? AND c.res_id = ?")) {
            ps.setString(1, type);
            ps.setString(2, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(Rows.stored(rs)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new StoreException("Could not read " + type + "/" + id, e);
        }
    }

    @Override
    public SearchPage search(SearchQuery query) {
        try {
            return searchSql.search(c, query);
        } catch (SQLException e) {
            throw new StoreException("Search failed", e);
        }
    }

    private void advance() throws SQLException {
        if (!advanced) {
            ChangeFeed.advance(c, now);
            advanced = true;
        }
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

    private long insertVersion(String type, String id, long version, boolean deleted, String hash, String json)
            throws SQLException {
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

    private StoredResource readVersion(long seq) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT " + JdbcResourceStore.VERSION_COLUMNS + " FROM resource_version v WHERE v.seq = ?")) {
            ps.setLong(1, seq);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return Rows.stored(rs);
            }
        }
    }
}
