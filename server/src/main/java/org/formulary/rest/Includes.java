package org.formulary.rest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.formulary.search.Include;
import org.formulary.store.ResourceStore;
import org.formulary.store.StoredResource;

/**
 * Resolves a page's {@code _include} and {@code _revinclude}: first from the page's matches, then, for the
 * {@code :iterate} ones, from what was included, until nothing new comes (at most {@link #MAX_INCLUDED}
 * resources). Each resource appears once; a match is never repeated as an include. Stateless.
 */
final class Includes {

    static final int MAX_INCLUDED = 1000;
    private static final int MAX_ROUNDS = 5;

    private Includes() {}

    static List<StoredResource> resolve(ResourceStore store, List<Include> includes, List<StoredResource> matches) {
        if (includes.isEmpty() || matches.isEmpty()) {
            return List.of();
        }
        Map<String, StoredResource> seen = new LinkedHashMap<>();
        matches.forEach(m -> seen.put(key(m), m));
        List<StoredResource> included = new ArrayList<>();
        List<StoredResource> frontier = matches;
        for (int round = 0; round < MAX_ROUNDS && !frontier.isEmpty() && included.size() < MAX_INCLUDED; round++) {
            List<StoredResource> found = new ArrayList<>();
            for (Include include : includes) {
                if (round > 0 && !include.iterate()) {
                    continue;
                }
                for (StoredResource resource : follow(store, include, frontier)) {
                    if (seen.putIfAbsent(key(resource), resource) == null && included.size() < MAX_INCLUDED) {
                        found.add(resource);
                        included.add(resource);
                    }
                }
            }
            frontier = found;
        }
        return included;
    }

    private static List<StoredResource> follow(ResourceStore store, Include include, List<StoredResource> from) {
        if (include.reverse()) {
            List<String> targets = from.stream()
                    .filter(r -> include.targetType().map(t -> t.equals(r.type())).orElse(true))
                    .map(Includes::key).toList();
            return store.referencing(include.sourceType(), include.param(), targets, MAX_INCLUDED);
        }
        List<String> sources = from.stream().filter(r -> r.type().equals(include.sourceType()))
                .map(StoredResource::id).toList();
        return store.referencedBy(include.sourceType(), sources, include.param(), include.targetType(), MAX_INCLUDED);
    }

    private static String key(StoredResource resource) {
        return resource.type() + "/" + resource.id();
    }
}
