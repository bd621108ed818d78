package org.formulary.subscription;

import java.util.Optional;
import org.formulary.store.WriteEvent;

/**
 * One notification to deliver: a Subscription (as it was when the change matched) and the change. Immutable and
 * thread-safe.
 *
 * @param subscription the Subscription that matched
 * @param kind what the change did
 * @param type the changed resource's type
 * @param id the changed resource's id
 * @param versionId the version the change stored
 * @param body the changed resource in the Subscription's payload format, or empty (no payload asked for, or a
 *     deletion)
 */
record Notification(
        ActiveSubscription subscription, WriteEvent.Kind kind, String type, String id, long versionId,
        Optional<String> body) {

    /** {@code type/id/_history/versionId}, for logs and error texts. */
    String resource() {
        return type + "/" + id + "/_history/" + versionId;
    }
}
