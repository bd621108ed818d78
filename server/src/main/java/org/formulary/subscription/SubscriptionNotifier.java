package org.formulary.subscription;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.formulary.config.Settings;
import org.formulary.search.QueryParser;
import org.formulary.store.ResourceStore;
import org.formulary.store.SearchPage;
import org.formulary.store.StoredResource;
import org.formulary.store.WriteEvent;
import org.formulary.store.WriteListener;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * FHIR R4 Subscriptions with the rest-hook channel: listens to every write of the validating write path and
 * notifies the active Subscriptions whose criteria the changed resource matches.
 *
 * <ul>
 *   <li><b>Activation.</b> A Subscription written with status {@code requested} or {@code active} is checked before
 *       it is stored (criteria a search this server runs under strict handling, channel {@code rest-hook}, an
 *       http(s) endpoint, a supported payload, {@code Name: value} headers) and stored as {@code active}; one that
 *       cannot run is rejected with 422 naming the element. At startup the stored active Subscriptions are loaded;
 *       one that no longer checks out (the server's search parameters changed) is set to {@code error}.
 *   <li><b>Matching</b> uses the server's own search: right after a create or update committed, each active
 *       Subscription whose criteria search that type runs its criteria plus {@code _id=<id>}. A deletion notifies
 *       the Subscriptions whose criteria matched the deleted version: that is evaluated just before the deletion
 *       is stored (it removes the resource's search-index rows); the notification is queued only if it commits.
 *       Matching runs on the writer's thread (one indexed query per active Subscription of the type);
 *       Subscription resources themselves never trigger notifications.
 *   <li><b>Delivery</b> is asynchronous ({@link DeliveryQueues}, {@link RestHookSender}): the client's write never
 *       waits for a receiver and never fails because of one. After the last failed attempt the Subscription is set
 *       to {@code error} with the failure as its {@code error} text ({@link SubscriptionErrorRecorder}).
 * </ul>
 *
 * <p>Thread-safe. {@link #close()} stops delivery.
 */
public final class SubscriptionNotifier implements WriteListener, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SubscriptionNotifier.class);
    private static final String SUBSCRIPTION = "Subscription";

    private final FhirContext ctx;
    private final ResourceStore store;
    private final QueryParser parser;
    private final SubscriptionRegistry registry = new SubscriptionRegistry();
    private final SubscriptionErrorRecorder errors;
    private final DeliveryQueues queues;

    private SubscriptionNotifier(FhirContext ctx, ResourceStore store, QueryParser parser,
            Settings.Notifications settings) {
        this.ctx = ctx;
        this.store = store;
        this.parser = parser;
        this.errors = new SubscriptionErrorRecorder(ctx, store);
        this.queues = new DeliveryQueues(new RestHookSender(settings.timeout()), settings.attempts(),
                settings.retryDelay(), registry::isActive, errors::deliveryFailed);
    }

    /**
     * Starts notifying the Subscriptions stored in {@code store}: loads the active ones. Register the result as a
     * {@link WriteListener} of the validating write path that {@code store} is.
     *
     * @param store the validating write path (searches, and the writes that record errors)
     * @param parser the server's search parser
     */
    public static SubscriptionNotifier start(FhirContext ctx, ResourceStore store, QueryParser parser,
            Settings.Notifications settings) {
        SubscriptionNotifier notifier = new SubscriptionNotifier(ctx, store, parser, settings);
        try {
            int loaded = notifier.loadActive();
            LOG.info("Subscriptions: {} active (rest-hook, {} attempts per notification, first retry after {} ms)",
                    loaded, settings.attempts(), settings.retryDelay().toMillis());
            return notifier;
        } catch (RuntimeException e) {
            notifier.close();
            throw e;
        }
    }

    @Override
    public void beforeWrite(String type, IBaseResource resource) {
        if (!(resource instanceof Subscription subscription)) {
            return;
        }
        Subscription.SubscriptionStatus status = subscription.getStatus();
        if (status != Subscription.SubscriptionStatus.REQUESTED && status != Subscription.SubscriptionStatus.ACTIVE) {
            return;
        }
        try {
            ActiveSubscription.of("new", 0, subscription, ctx, parser);
        } catch (InvalidSubscriptionException e) {
            OperationOutcome oo = new OperationOutcome();
            oo.addIssue()
                    .setSeverity(OperationOutcome.IssueSeverity.ERROR)
                    .setCode(OperationOutcome.IssueType.INVALID)
                    .setDiagnostics(e.getMessage())
                    .addExpression(e.element());
            throw new UnprocessableEntityException(ctx, oo);
        }
        subscription.setStatus(Subscription.SubscriptionStatus.ACTIVE);
    }

    @Override
    public void committed(WriteEvent event) {
        if (event.type().equals(SUBSCRIPTION)) {
            track(event.version());
        } else if (event.kind() != WriteEvent.Kind.DELETE) {
            // Deletions are matched in beforeDelete, while the deleted version is still searchable.
            List<ActiveSubscription> matched = matching(event.type(), event.id());
            if (!matched.isEmpty()) {
                notify(matched, event);
            }
        }
    }

    @Override
    public WriteListener beforeDelete(String type, String id) {
        if (type.equals(SUBSCRIPTION)) {
            return this;
        }
        List<ActiveSubscription> matched = matching(type, id);
        return matched.isEmpty() ? event -> { } : event -> notify(matched, event);
    }

    /** Stops delivering notifications; those not yet delivered are dropped. */
    @Override
    public void close() {
        queues.close();
    }

    /** The active Subscriptions whose criteria match the current version of {@code type/id}. */
    private List<ActiveSubscription> matching(String type, String id) {
        List<ActiveSubscription> matched = new ArrayList<>();
        for (ActiveSubscription subscription : registry.watching(type, Instant.now())) {
            try {
                SearchPage page = store.search(subscription.criteria().matchQuery(id, parser));
                if (page.matches().stream().anyMatch(m -> m.type().equals(type) && m.id().equals(id))) {
                    matched.add(subscription);
                }
            } catch (RuntimeException e) {
                LOG.warn("Subscription/{}: could not match {}/{} against '{}'", subscription.id(), type, id,
                        subscription.criteria().text(), e);
            }
        }
        return matched;
    }

    private void notify(List<ActiveSubscription> matched, WriteEvent event) {
        StoredResource version = event.version();
        String json = version.json();
        String xml = null;
        for (ActiveSubscription subscription : matched) {
            Optional<String> body = Optional.empty();
            if (subscription.channel().payload().isPresent() && event.kind() != WriteEvent.Kind.DELETE) {
                if (subscription.channel().xmlPayload()) {
                    if (xml == null) {
                        xml = ctx.newXmlParser().encodeResourceToString(ctx.newJsonParser().parseResource(json));
                    }
                    body = Optional.of(xml);
                } else {
                    body = Optional.of(json);
                }
            }
            queues.submit(new Notification(subscription, event.kind(), version.type(), version.id(),
                    version.versionId(), body));
        }
    }

    /** Keeps the registry in step with a committed version of a Subscription. */
    private void track(StoredResource version) {
        if (version.deleted()) {
            registry.deactivate(version.id(), version.versionId());
            return;
        }
        Subscription subscription = ctx.newJsonParser().parseResource(Subscription.class, version.json());
        if (subscription.getStatus() != Subscription.SubscriptionStatus.ACTIVE) {
            registry.deactivate(version.id(), version.versionId());
            return;
        }
        try {
            registry.activate(ActiveSubscription.of(version.id(), version.versionId(), subscription, ctx, parser));
        } catch (InvalidSubscriptionException e) {
            // Checked before it was stored; only a change of the server's search parameters gets here.
            registry.deactivate(version.id(), version.versionId());
            LOG.warn("Subscription/{} is active but cannot run: {}", version.id(), e.getMessage());
        }
    }

    /** Loads the stored active Subscriptions; sets those that no longer check out to error. */
    private int loadActive() {
        int loaded = 0;
        String cursor = null;
        do {
            Map<String, String[]> params = cursor == null
                    ? Map.of("status", new String[] {"active"}, "_count", new String[] {"100"})
                    : Map.of("status", new String[] {"active"}, "_count", new String[] {"100"},
                            "_cursor", new String[] {cursor});
            SearchPage page = store.search(parser.parse(SUBSCRIPTION, params, false).query());
            for (StoredResource stored : page.matches()) {
                Subscription subscription = ctx.newJsonParser().parseResource(Subscription.class, stored.json());
                try {
                    registry.activate(ActiveSubscription.of(stored.id(), stored.versionId(), subscription, ctx,
                            parser));
                    loaded++;
                } catch (InvalidSubscriptionException e) {
                    errors.record(stored.id(), Optional.empty(), "This server can no longer run this Subscription: "
                            + e.getMessage());
                }
            }
            cursor = page.next().map(c -> c.encode()).orElse(null);
        } while (cursor != null);
        return loaded;
    }
}
