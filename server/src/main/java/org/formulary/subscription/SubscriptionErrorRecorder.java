package org.formulary.subscription;

import ca.uhn.fhir.context.FhirContext;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Optional;
import org.formulary.store.ResourceStore;
import org.formulary.store.StoredResource;
import org.formulary.store.VersionConflictException;
import org.hl7.fhir.r4.model.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records on a Subscription that its notifications fail: sets {@code status} to {@code error} and {@code error} to
 * what went wrong, as a new version written through the store's validating write path (Subscriptions never trigger
 * notifications, so this write cannot start a loop). Leaves the Subscription alone if it is no longer active or if
 * its channel changed since the failed notification (the failure then says nothing about the new endpoint).
 * Thread-safe.
 */
final class SubscriptionErrorRecorder {

    private static final Logger LOG = LoggerFactory.getLogger(SubscriptionErrorRecorder.class);
    private static final int WRITE_ATTEMPTS = 3;

    private final FhirContext ctx;
    private final ResourceStore store;

    SubscriptionErrorRecorder(FhirContext ctx, ResourceStore store) {
        this.ctx = ctx;
        this.store = store;
    }

    /** A delivery failure: {@code notification} failed {@code attempts} times, last with {@code lastFailure}. */
    void deliveryFailed(Notification notification, int attempts, String lastFailure) {
        String error = Instant.now().truncatedTo(ChronoUnit.SECONDS) + ": the notification of "
                + notification.resource() + " (" + notification.kind().name().toLowerCase(Locale.ROOT)
                + ") could not be delivered in " + attempts + (attempts == 1 ? " attempt" : " attempts")
                + "; the last one: " + lastFailure;
        record(notification.subscription().id(), Optional.of(notification.subscription().channel()), error);
    }

    /**
     * Sets Subscription {@code id} to {@code error} with {@code error} as its error text, if it is active and (when
     * {@code channel} is given) still has that channel. Retries when a concurrent write got in between.
     */
    void record(String id, Optional<RestHookChannel> channel, String error) {
        for (int attempt = 1; attempt <= WRITE_ATTEMPTS; attempt++) {
            Optional<StoredResource> current = store.read("Subscription", id);
            if (current.isEmpty() || current.get().deleted()) {
                return;
            }
            Subscription subscription = ctx.newJsonParser().parseResource(Subscription.class, current.get().json());
            if (subscription.getStatus() != Subscription.SubscriptionStatus.ACTIVE
                    || channel.isPresent() && !sameChannel(subscription, channel.get())) {
                return;
            }
            subscription.setStatus(Subscription.SubscriptionStatus.ERROR);
            subscription.setError(error);
            try {
                store.update("Subscription", id, subscription, current.get().versionId());
                LOG.warn("Subscription/{} set to error: {}", id, error);
                return;
            } catch (VersionConflictException e) {
                LOG.debug("Subscription/{} changed while recording its error; reading it again", id);
            }
        }
        LOG.warn("Subscription/{}: could not record its error after {} tries: {}", id, WRITE_ATTEMPTS, error);
    }

    private boolean sameChannel(Subscription subscription, RestHookChannel channel) {
        try {
            return RestHookChannel.of(subscription.getChannel()).equals(channel);
        } catch (InvalidSubscriptionException e) {
            return true;
        }
    }
}
