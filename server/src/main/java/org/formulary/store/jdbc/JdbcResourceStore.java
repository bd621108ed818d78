package org.formulary.store.jdbc;

import ca.uhn.fhir.context.FhirContext;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import javax.sql.DataSource;
import org.formulary.search.IndexExtractor;
import org.formulary.search.SearchQuery;
import org.formulary.store.HistoryPage;
import org.formulary.store.HistoryQuery;
import org.formulary.store.ResourceStore;
import org.formulary.store.ResourceWriter;
import org.formulary.store.SearchPage;
import org.formulary.store.StoreException;
import org.formulary.store.StoredResource;
import org.formulary.store.VersionStamp;
import org.formulary.store.WriteOutcome;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * {@link ResourceStore} over plain JDBC and portable SQL (H2 and PostgreSQL). Payloads live in
 * {@code resource_version}, the current-version pointer in {@code resource_current}, search rows in the
 * {@code idx_*} tables. Every unit of work ({@link #inTransaction}, or a single write) is one database
 * transaction that first locks the change-feed row, so writes are serialised (see {@link JdbcWriter}). Thread-safe.
 */
public final class JdbcResourceStore implements ResourceStore {

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
    public <T> T inTransaction(Function<ResourceWriter, T> work) {
        try {
            return Transactions.run(dataSource, c -> work.apply(new JdbcWriter(c, ctx, indexer, searchSql)));
        } catch (SQLException e) {
            throw new StoreException("Could not store the writes", e);
        }
    }

    @Override
    public StoredResource create(IBaseResource resource) {
        return inTransaction(w -> w.create(resource));
    }

    @Override
    public WriteOutcome update(String type, String id, IBaseResource resource, Long expectedVersion) {
        return inTransaction(w -> w.update(type, id, resource, expectedVersion));
    }

    @Override
    public Optional<StoredResource> delete(String type, String id, Long expectedVersion) {
        return inTransaction(w -> w.delete(type, id, expectedVersion));
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

    @Override
    public void sealUpTo(Instant asOf) {
        try {
            Transactions.run(dataSource, c -> {
                ChangeFeed.sealUpTo(c, asOf.toEpochMilli());
                return null;
            });
        } catch (SQLException e) {
            throw new StoreException("Could not seal the change feed up to " + asOf, e);
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
}
