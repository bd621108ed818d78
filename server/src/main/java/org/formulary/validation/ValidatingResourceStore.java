package org.formulary.validation;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.server.exceptions.MethodNotAllowedException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import ca.uhn.fhir.validation.ValidationResult;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.commons.lang3.concurrent.BasicThreadFactory;
import org.formulary.auth.Caller;
import org.formulary.narrative.NarrativeGenerator;
import org.formulary.provenance.WriteProvenance;
import org.formulary.search.SearchQuery;
import org.formulary.store.HistoryPage;
import org.formulary.store.HistoryQuery;
import org.formulary.store.ResourceStore;
import org.formulary.store.ResourceWriter;
import org.formulary.store.SearchPage;
import org.formulary.store.StoredResource;
import org.formulary.store.VersionStamp;
import org.formulary.store.WriteEvent;
import org.formulary.store.WriteListener;
import org.formulary.store.WriteOutcome;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Provenance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write path every resource takes, from clients and from the content loader alike: a create or update gets
 * its generated narrative (unless it brings one written by hand), is validated against the profile the conformance
 * package registers for its type (and those in its {@code meta.profile}) and stored only if the validator reports
 * no error; otherwise it fails with {@link UnprocessableEntityException} (HTTP 422) carrying the validator's
 * OperationOutcome, and nothing is stored. Every accepted write (a create, an update that changed something, a
 * delete) stores a {@link WriteProvenance} naming this store's caller ({@link #as}) in the same transaction.
 * {@code Provenance} itself is written by the server only: writing one fails with 405. Reads pass straight through.
 *
 * <p>{@link #inTransaction} runs several writes as one unit of work (all commit or none does); {@link #prepare}
 * validates their resources before it, all before anything is stored, and {@link #prepareEach} prepares many on
 * every core.
 *
 * <p>Registered {@link WriteListener}s hear about every write: {@link WriteListener#beforeWrite} first (before the
 * narrative and validation), {@link WriteListener#beforeDelete} before a deletion, and
 * {@link WriteListener#committed} once the write (or the unit of work that holds it) has committed; a listener's
 * failure after the commit is logged and never fails the write. Thread-safe; the stores {@link #as} returns share
 * the listeners.
 */
public final class ValidatingResourceStore implements ResourceStore {

    private static final Logger LOG = LoggerFactory.getLogger(ValidatingResourceStore.class);
    /** User data key that marks a resource {@link #prepare}d for storage. */
    private static final String PREPARED = ValidatingResourceStore.class.getName() + ".prepared";

    private final ResourceStore delegate;
    private final FhirContext ctx;
    private final ProfileValidator validator;
    private final ConformancePackage conformance;
    private final NarrativeGenerator narratives;
    private final List<WriteListener> listeners;
    private final ExecutorService preparers;
    private final Caller caller;

    /** The write path over {@code delegate}; its writes are recorded as made by {@link Caller#ANONYMOUS}. */
    public ValidatingResourceStore(
            ResourceStore delegate, FhirContext ctx, ProfileValidator validator, ConformancePackage conformance) {
        this(delegate, ctx, validator, conformance, new NarrativeGenerator(ctx), new CopyOnWriteArrayList<>(),
                preparingThreads(), Caller.ANONYMOUS);
    }

    private ValidatingResourceStore(ResourceStore delegate, FhirContext ctx, ProfileValidator validator,
            ConformancePackage conformance, NarrativeGenerator narratives, List<WriteListener> listeners,
            ExecutorService preparers, Caller caller) {
        this.delegate = delegate;
        this.ctx = ctx;
        this.validator = validator;
        this.conformance = conformance;
        this.narratives = narratives;
        this.listeners = listeners;
        this.preparers = preparers;
        this.caller = caller;
    }

    /** One thread a core, each ending after 30 s idle: a store that no longer prepares holds no thread. */
    private static ExecutorService preparingThreads() {
        int cores = Runtime.getRuntime().availableProcessors();
        ThreadPoolExecutor threads = new ThreadPoolExecutor(cores, cores, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(),
                BasicThreadFactory.builder().namingPattern("prepare-%d").daemon(true).build());
        threads.allowCoreThreadTimeOut(true);
        return threads;
    }

    /** This write path, with its writes recorded (Provenance.agent) as made by {@code who}. */
    public ValidatingResourceStore as(Caller who) {
        return new ValidatingResourceStore(delegate, ctx, validator, conformance, narratives, listeners, preparers,
                who);
    }

    /** Adds {@code listener} to the listeners of every later write. */
    public void addListener(WriteListener listener) {
        listeners.add(listener);
    }

    /** Validates {@code resource} for storage: its type's registered profile plus its own claims. */
    public ValidationResult validateForWrite(IBaseResource resource) {
        String type = ctx.getResourceType(resource);
        return validator.validate(resource, conformance.profileFor(type).map(List::of).orElse(List.of()));
    }

    /**
     * Prepares {@code resource} for storage: the listeners' {@code beforeWrite}, the narrative, validation. Call it
     * before {@link #inTransaction} for every resource the work will store (all of them before anything is
     * stored, and outside the write lock): the writer stores a prepared resource as it is and prepares any other
     * one itself, inside the unit of work. Do not change a prepared resource other than to point a reference at
     * another resource of the same type.
     *
     * @throws UnprocessableEntityException if the resource is not valid
     * @throws MethodNotAllowedException if it is a Provenance
     */
    public void prepare(IBaseResource resource) {
        String type = ctx.getResourceType(resource);
        requireWritable(type);
        for (WriteListener listener : listeners) {
            listener.beforeWrite(type, resource);
        }
        narratives.apply(resource);
        requireValid(resource);
        resource.setUserData(PREPARED, Boolean.TRUE);
    }

    /**
     * Runs {@code preparation} for each of {@code items} on every core and returns once all have run: the way to
     * {@link #prepare} many resources (a transaction's, the content's), with whatever each needs around it. If any
     * fails, the failure of the first failing item in list order is thrown as it was thrown (the items after it
     * may or may not have been prepared). A single item is prepared on the calling thread. The preparing threads are shared by every
     * caller of this store (and of the stores {@link #as} returns), so concurrent calls share the cores.
     */
    public <T> void prepareEach(List<T> items, Consumer<T> preparation) {
        if (items.size() == 1) {
            preparation.accept(items.get(0));
            return;
        }
        List<Future<?>> running = new ArrayList<>(items.size());
        try {
            for (T item : items) {
                running.add(preparers.submit(() -> preparation.accept(item)));
            }
            for (Future<?> item : running) {
                await(item);
            }
        } finally {
            running.forEach(item -> item.cancel(false));
        }
    }

    private static void await(Future<?> preparation) {
        try {
            preparation.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while preparing resources for storage", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * Runs {@code work} as one unit of work of the underlying store; see {@link #prepare} for the resources it
     * stores. Listeners hear of its writes after the commit, or never if it fails.
     */
    @Override
    public <T> T inTransaction(Function<ResourceWriter, T> work) {
        UnitOfWork unit = new UnitOfWork();
        T result = delegate.inTransaction(writer -> work.apply(unit.on(writer)));
        unit.committed();
        return result;
    }

    @Override
    public StoredResource create(IBaseResource resource) {
        prepare(resource);
        return inTransaction(w -> w.create(resource));
    }

    @Override
    public WriteOutcome update(String type, String id, IBaseResource resource, Long expectedVersion) {
        prepare(resource);
        return inTransaction(w -> w.update(type, id, resource, expectedVersion));
    }

    @Override
    public Optional<StoredResource> delete(String type, String id, Long expectedVersion) {
        return inTransaction(w -> w.delete(type, id, expectedVersion));
    }
    @Override
    public Optional<StoredResource> read(String type, String id) {
        return delegate.read(type, id);
    }

    @Override
    public Optional<VersionStamp> currentStamp(String type, String id) {
        return delegate.currentStamp(type, id);
    }

    @Override
    public Optional<StoredResource> vread(String type, String id, long versionId) {
        return delegate.vread(type, id, versionId);
    }

    @Override
    public HistoryPage history(HistoryQuery query) {
        return delegate.history(query);
    }

    @Override
    public SearchPage search(SearchQuery query) {
        return delegate.search(query);
    }

    @Override
    public List<StoredResource> referencedBy(
            String sourceType, Collection<String> sourceIds, String param, Optional<String> targetType, int limit) {
        return delegate.referencedBy(sourceType, sourceIds, param, targetType, limit);
    }

    @Override
    public List<StoredResource> referencing(String type, String param, Collection<String> targets, int limit) {
        return delegate.referencing(type, param, targets, limit);
    }

    private static void requireWritable(String type) {
        if (WriteProvenance.TYPE.equals(type)) {
            throw new MethodNotAllowedException("Provenance is read-only: the server records one with every write",
                    RequestTypeEnum.GET);
        }
    }

    private static void tell(List<WriteListener> listeners, WriteEvent event) {
        for (WriteListener listener : listeners) {
            try {
                listener.committed(event);
            } catch (RuntimeException e) {
                LOG.warn("Write listener {} failed on the committed {} of {}/{} version {}", listener, event.kind(),
                        event.type(), event.id(), event.version().versionId(), e);
            }
        }
    }

    /**
     * The writer of one {@link #inTransaction}: prepares what was not prepared, completes each write with its
     * Provenance and keeps the events for the listeners until the commit. Used on the writing thread only.
     */
    private final class UnitOfWork implements ResourceWriter {

        private final List<Runnable> afterCommit = new ArrayList<>();
        private ResourceWriter target;

        UnitOfWork on(ResourceWriter writer) {
            target = writer;
            afterCommit.clear();
            return this;
        }

        void committed() {
            afterCommit.forEach(Runnable::run);
        }

        @Override
        public StoredResource create(IBaseResource resource) {
            ensurePrepared(resource);
            StoredResource stored = target.create(resource);
            record(new WriteEvent(WriteEvent.Kind.CREATE, stored), listeners);
            return stored;
        }

        @Override
        public WriteOutcome update(String type, String id, IBaseResource resource, Long expectedVersion) {
            ensurePrepared(resource);
            WriteOutcome written = target.update(type, id, resource, expectedVersion);
            if (written.changed()) {
                record(new WriteEvent(written.created() ? WriteEvent.Kind.CREATE : WriteEvent.Kind.UPDATE,
                        written.resource()), listeners);
            }
            return written;
        }

        @Override
        public Optional<StoredResource> delete(String type, String id, Long expectedVersion) {
            requireWritable(type);
            List<WriteListener> after = new ArrayList<>(listeners.size());
            for (WriteListener listener : listeners) {
                try {
                    after.add(listener.beforeDelete(type, id));
                } catch (RuntimeException e) {
                    LOG.warn("Write listener {} failed before the deletion of {}/{}; it will not hear of it",
                            listener, type, id, e);
                }
            }
            Optional<StoredResource> deleted = target.delete(type, id, expectedVersion);
            deleted.ifPresent(d -> record(new WriteEvent(WriteEvent.Kind.DELETE, d), after));
            return deleted;
        }

        @Override
        public Optional<StoredResource> read(String type, String id) {
            return target.read(type, id);
        }

        @Override
        public SearchPage search(SearchQuery query) {
            return target.search(query);
        }

        private void ensurePrepared(IBaseResource resource) {
            if (!Boolean.TRUE.equals(resource.getUserData(PREPARED))) {
                prepare(resource);
            }
        }

        private void record(WriteEvent event, List<WriteListener> hearing) {
            Provenance provenance = WriteProvenance.of(event, caller);
            narratives.apply(provenance);
            target.create(provenance);
            afterCommit.add(() -> tell(hearing, event));
        }
    }

    @Override
    public void forEachAsOf(String type, Instant asOf, Optional<Instant> since, Consumer<StoredResource> action) {
        delegate.forEachAsOf(type, asOf, since, action);
    }

    @Override
    public Optional<StoredResource> readAsOf(String type, String id, Instant asOf) {
        return delegate.readAsOf(type, id, asOf);
    }

    @Override
    public void sealUpTo(Instant asOf) {
        delegate.sealUpTo(asOf);
    }

    private void requireValid(IBaseResource resource) {
        // Profiles may require meta.lastUpdated (Da Vinci's do); the store sets the real value when it writes.
        if (resource.getMeta().getLastUpdated() == null) {
            resource.getMeta().setLastUpdated(new Date());
        }
        ValidationResult result = validateForWrite(resource);
        if (ProfileValidator.hasErrors(result)) {
            throw new UnprocessableEntityException(ctx, result.toOperationOutcome());
        }
    }
}
