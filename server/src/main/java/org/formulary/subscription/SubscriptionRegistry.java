package org.formulary.subscription;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Subscriptions that are active now, kept in memory so that a write finds the ones watching its type without
 * a query. Each Subscription's entry records the version it came from, so that a late report of an older version
 * (two writers racing) never replaces a newer one. Thread-safe.
 */
final class SubscriptionRegistry {

    /** The newest known version of one Subscription and, if that version is active, its settings. */
    private record Entry(long versionId, Optional<ActiveSubscription> active) {}

    private final Map<String, Entry> byId = new ConcurrentHashMap<>();

    /** Records that version {@code versionId} of Subscription {@code id} is active with these settings. */
    void activate(ActiveSubscription subscription) {
        put(subscription.id(), new Entry(subscription.versionId(), Optional.of(subscription)));
    }

    /** Records that version {@code versionId} of Subscription {@code id} is not active (or is a deletion). */
    void deactivate(String id, long versionId) {
        put(id, new Entry(versionId, Optional.empty()));
    }

    /** Whether Subscription {@code id} is active. */
    boolean isActive(String id) {
        Entry entry = byId.get(id);
        return entry != null && entry.active().isPresent();
    }

    /** The active Subscriptions whose criteria search {@code type} and have not ended at {@code now}. */
    List<ActiveSubscription> watching(String type, Instant now) {
        return byId.values().stream()
                .flatMap(e -> e.active().stream())
                .filter(s -> s.watches(type, now))
                .toList();
    }

    private void put(String id, Entry entry) {
        byId.merge(id, entry, (old, fresh) -> fresh.versionId() >= old.versionId() ? fresh : old);
    }
}
