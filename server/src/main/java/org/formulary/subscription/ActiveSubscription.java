package org.formulary.subscription;

import ca.uhn.fhir.context.FhirContext;
import java.time.Instant;
import java.util.Optional;
import org.formulary.search.QueryParser;
import org.hl7.fhir.r4.model.Subscription;

/**
 * A Subscription the server delivers notifications for: its checked criteria and channel, as of one version.
 * Immutable and thread-safe.
 *
 * @param id the Subscription's logical id
 * @param versionId the version these settings come from
 * @param criteria what changes it is told about
 * @param channel where and how it is told
 * @param end when it stops being told ({@code Subscription.end}), if ever
 */
public record ActiveSubscription(
        String id, long versionId, SubscriptionCriteria criteria, RestHookChannel channel, Optional<Instant> end) {

    /**
     * Reads and checks {@code subscription} (whatever its status).
     *
     * @throws InvalidSubscriptionException if its criteria or channel cannot be run
     */
    public static ActiveSubscription of(String id, long versionId, Subscription subscription, FhirContext ctx,
            QueryParser parser) throws InvalidSubscriptionException {
        SubscriptionCriteria criteria = SubscriptionCriteria.parse(subscription.getCriteria(), ctx, parser);
        RestHookChannel channel = RestHookChannel.of(subscription.getChannel());
        Optional<Instant> end = Optional.ofNullable(subscription.getEnd()).map(d -> d.toInstant());
        return new ActiveSubscription(id, versionId, criteria, channel, end);
    }

    /** Whether changes of {@code type} at {@code now} are this subscription's business (before matching). */
    public boolean watches(String type, Instant now) {
        return criteria.type().equals(type) && end.map(now::isBefore).orElse(true);
    }
}
