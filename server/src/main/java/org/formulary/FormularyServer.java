package org.formulary;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.StrictErrorHandler;
import ca.uhn.fhir.rest.server.IResourceProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.sql.DataSource;
import org.formulary.auth.Authorization;
import org.formulary.clinical.DrugComparison;
import org.formulary.clinical.StoredResources;
import org.formulary.config.DatabaseSettings;
import org.formulary.config.Settings;
import org.formulary.content.ContentLoadLog;
import org.formulary.content.ContentLoader;
import org.formulary.export.BulkExportService;
import org.formulary.export.ExportOperations;
import org.formulary.export.KickOff;
import org.formulary.export.TypeExportProvider;
import org.formulary.http.CapabilityStatementProvider;
import org.formulary.http.FormularyRestfulServer;
import org.formulary.http.JettyLauncher;
import org.formulary.http.ReadCache;
import org.formulary.provenance.WriteProvenance;
import org.formulary.rest.ApplyOperation;
import org.formulary.rest.CompareOperation;
import org.formulary.rest.FormularyServices;
import org.formulary.rest.ParsedVersions;
import org.formulary.rest.ReadOnlyResourceProvider;
import org.formulary.rest.ResourceProvider;
import org.formulary.rest.SystemProvider;
import org.formulary.search.IndexExtractor;
import org.formulary.search.QueryParser;
import org.formulary.search.SearchParamRegistry;
import org.formulary.store.jdbc.Database;
import org.formulary.store.jdbc.JdbcResourceStore;
import org.formulary.subscription.SubscriptionNotifier;
import org.formulary.validation.ConformancePackage;
import org.formulary.validation.ProfileValidator;
import org.formulary.validation.ValidatingResourceStore;
import org.formulary.validation.ValidationChain;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The formulary server: settings, then HTTP (health endpoints; the FHIR base answers 503 until ready), then the
 * conformance package and the validation chain (warming up in the background), then the database, then the Subscription notifier
 * (listening to the write path), then the formulary content through the validating write path, then the FHIR
 * servlet, and ready. One FhirContext for all.
 */
public final class FormularyServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FormularyServer.class);

    private final JettyLauncher http;
    private final SubscriptionNotifier notifier;
    private final BulkExportService exports;
    private final DataSource dataSource;
    private final int port;
    private final String baseUrl;
    private final ContentLoader.Report loaded;

    private FormularyServer(JettyLauncher http, SubscriptionNotifier notifier, BulkExportService exports,
            DataSource dataSource, int port, String baseUrl, ContentLoader.Report loaded) {
        this.http = http;
        this.notifier = notifier;
        this.exports = exports;
        this.dataSource = dataSource;
        this.port = port;
        this.baseUrl = baseUrl;
        this.loaded = loaded;
    }

    public static void main(String[] args) throws Exception {
        FormularyServer server = start(Settings.fromEnvironment(System.getenv()));
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "shutdown"));
    }

    /**
     * Starts a server with {@code settings}; it is ready (content loaded and valid) when this returns, while the
     * validator may still be warming up (validations wait for it). HTTP starts first, so {@code /health/live}
     * answers at once while {@code /health/ready} and the FHIR base answer 503 until the rest is loaded.
     */
    public static FormularyServer start(Settings settings) throws Exception {
        Phases phases = new Phases();
        FhirContext ctx = FhirContext.forR4();
        ctx.setParserErrorHandler(new StrictErrorHandler());
        // Provenance.target names the version a write stored; HAPI would otherwise drop the version when encoding.
        ctx.getParserOptions().setDontStripVersionsFromReferencesAtPaths(WriteProvenance.TARGET_PATH);
        JettyLauncher http = new JettyLauncher(ctx, settings.port(), settings.limits(),
                settings.shutdownTimeout());
        http.start();
        phases.lap("http");
        try {
            return prepare(settings, ctx, http, phases);
        } catch (Exception | Error e) {
            try {
                http.stop();
            } catch (Exception stopFailure) {
                e.addSuppressed(stopFailure);
            }
            throw e;
        }
    }

    private static FormularyServer prepare(Settings settings, FhirContext ctx, JettyLauncher http, Phases phases)
            throws Exception {
        ConformancePackage conformance = ConformancePackage.load(ctx, settings.conformanceDir());
        SearchParamRegistry registry = SearchParamRegistry.build(ctx, conformance.searchParameters());
        ProfileValidator validator = new ProfileValidator(ctx, ValidationChain.build(ctx, conformance));
        long warmUpStart = System.nanoTime();
        validator.warmUpInBackground().thenRun(() -> LOG.info("Validator warm in {} ms (R4 core definitions and"
                + " profile snapshots loaded)", (System.nanoTime() - warmUpStart) / 1_000_000));
        phases.lap("conformance");

        DataSource dataSource = Database.open(settings.database());
        phases.lap("database");
        try {
            return serve(settings, ctx, http, conformance, registry, validator, dataSource, phases);
        } catch (Exception | Error e) {
            Database.close(dataSource);
            throw e;
        }
    }

    private static FormularyServer serve(Settings settings, FhirContext ctx, JettyLauncher http,
            ConformancePackage conformance, SearchParamRegistry registry, ProfileValidator validator,
            DataSource dataSource, Phases phases) throws Exception {
        ValidatingResourceStore store = new ValidatingResourceStore(
                new JdbcResourceStore(dataSource, ctx, new IndexExtractor(ctx, registry)), ctx, validator, conformance);
        QueryParser parser = new QueryParser(registry, settings.defaultPageSize(), settings.maxPageSize());
        SubscriptionNotifier notifier = SubscriptionNotifier.start(ctx, store.as(WriteProvenance.SERVER), parser,
                settings.notifications());
        try {
            store.addListener(notifier);
            return loadAndServe(settings, ctx, http, conformance, registry, validator, dataSource, phases, store,
                    parser, notifier);
        } catch (Exception | Error e) {
            notifier.close();
            throw e;
        }
    }

    private static FormularyServer loadAndServe(Settings settings, FhirContext ctx, JettyLauncher http,
            ConformancePackage conformance, SearchParamRegistry registry, ProfileValidator validator,
            DataSource dataSource, Phases phases, ValidatingResourceStore store, QueryParser parser,
            SubscriptionNotifier notifier) throws Exception {
        ContentLoader.Report report = new ContentLoader(ctx, store.as(WriteProvenance.CONTENT_LOADER),
                new ContentLoadLog(dataSource)).load(settings.contentDir(), settings.conformanceDir());
        phases.lap("content");

        FormularyServices services = new FormularyServices(ctx, store, parser, validator, settings.defaultPageSize(),
                new ParsedVersions(ctx));
        Set<String> types = new TreeSet<>(conformance.profiledTypes());
        types.addAll(report.types());
        // Subscription has no formulary profile (it is validated against base R4) and no content file, but clients
        // create Subscriptions to be notified of changes (rest-hook, see SubscriptionNotifier): serve it too.
        types.add("Subscription");
        // The write path records a Provenance with every write; clients read and search them, never write them.
        types.add(WriteProvenance.TYPE);
        Set<String> readOnly = Set.of(WriteProvenance.TYPE);
        // An instance-level export follows the resources that refer to its focus, but not the focus's Provenances:
        // they are the audit trail of every write, not part of the exported resource graph.
        Set<String> referrerTypes = new TreeSet<>(types);
        referrerTypes.remove(WriteProvenance.TYPE);
        // Its worker threads start with the first job, so a failed startup leaves none behind.
        BulkExportService exports = new BulkExportService(store, ctx, dataSource, settings.exportDir(),
                referrerTypes);
        KickOff kickOff = new KickOff(exports, store, ctx, types);
        List<IResourceProvider> providers = new ArrayList<>();
        for (String type : types) {
            Class<? extends IBaseResource> implementing = ctx.getResourceDefinition(type).getImplementingClass();
            providers.add(readOnly.contains(type) ? new ReadOnlyResourceProvider(implementing, services)
                    : new ResourceProvider(implementing, services));
            providers.add(new TypeExportProvider(implementing, type, kickOff));
        }
        StoredResources stored = new StoredResources(store, ctx);
        List<Object> plainProviders = new ArrayList<>(List.of(new SystemProvider(services, types, readOnly),
                new ExportOperations(exports, kickOff, ctx, settings.auth().exportNeedsToken())));
        if (types.contains("MedicationKnowledge")) {
            plainProviders.add(new CompareOperation(new DrugComparison(stored)));
        }
        if (types.contains("ActivityDefinition")) {
            plainProviders.add(new ApplyOperation(stored));
        }
        // An H2 file database is held by this process alone; PostgreSQL may have other server nodes writing to it.
        ReadCache readCache = settings.database().vendor() == DatabaseSettings.Vendor.H2
                ? ReadCache.forSingleWriter()
                : ReadCache.forSharedDatabase();
        store.addListener(readCache);
        int port = http.port();
        String baseUrl = settings.baseUrlFor(port);
        FormularyRestfulServer servlet = new FormularyRestfulServer(ctx, store, readCache, baseUrl, providers,
                plainProviders, settings.limits());
        // Configured with the bound port (the tokens' default audience is the base URL) before serving.
        Authorization authorization = Authorization.configure(settings.auth(), baseUrl);
        servlet.registerInterceptor(authorization.interceptor());
        servlet.setServerConformanceProvider(new CapabilityStatementProvider(servlet, registry,
                ValidationChain.packageSupport(ctx, conformance), conformance, authorization));
        http.serve(servlet, authorization.smartConfiguration());
        int resumed = exports.resumeUnfinished();
        phases.lap("fhir");

        Settings.Limits limits = settings.limits();
        LOG.info("Formulary server ready at {} in {} ms ({}): {} content resources loaded, {} of them validated (the"
                        + " others unchanged since the last validated load) ({} new, {} updated, {} unchanged);"
                        + " serving {}; export files in {} ({} unfinished export jobs resumed); limits:"
                        + " body {} bytes, request timeout {} ms, {} HTTP threads, {} database connections",
                baseUrl, phases.totalMillis(), phases, report.files(), report.validated(), report.created(),
                report.updated(), report.unchanged(), types, settings.exportDir().toAbsolutePath().normalize(), resumed,
                limits.maxBodyBytes(), limits.requestTimeout().toMillis(), limits.httpThreads(),
                settings.database().poolSize());
        return new FormularyServer(http, notifier, exports, dataSource, port, baseUrl, report);
    }

    /** Wall-clock time of each startup phase, for the ready line. Not thread-safe. */
    private static final class Phases {
        private final long start = System.nanoTime();
        private long last = start;
        private final StringBuilder laps = new StringBuilder();

        void lap(String name) {
            long now = System.nanoTime();
            laps.append(laps.length() == 0 ? "" : ", ").append(name).append(' ').append((now - last) / 1_000_000)
                    .append(" ms");
            last = now;
        }

        long totalMillis() {
            return (System.nanoTime() - start) / 1_000_000;
        }

        @Override
        public String toString() {
            return laps.toString();
        }
    }

    /** The port the server listens on. */
    public int port() {
        return port;
    }

    /** The public FHIR base URL, e.g. {@code http://localhost:8080/fhir}. */
    public String baseUrl() {
        return baseUrl;
    }

    /** What the startup content load did. */
    public ContentLoader.Report loaded() {
        return loaded;
    }

    /**
     * Stops gracefully: reports not ready, stops accepting connections and lets in-flight requests finish (at most
     * {@code FORMULARY_SHUTDOWN_TIMEOUT_MS}), then stops Subscription delivery and the export workers (a running job
     * resumes at the next start), then closes the database.
     */
    @Override
    public void close() {
        LOG.info("Formulary server stopping: not ready, no new connections, in-flight requests finishing");
        try {
            http.stop();
        } catch (Exception e) {
            LOG.warn("HTTP server did not stop cleanly", e);
        }
        notifier.close();
        exports.close();
        Database.close(dataSource);
        LOG.info("Formulary server stopped");
    }
}
