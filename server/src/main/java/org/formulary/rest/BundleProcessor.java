package org.formulary.rest;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import org.formulary.validation.ValidatingResourceStore;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * Processes transaction and batch Bundles (FHIR R4 http.html#transaction) through the validating write path.
 *
 * <ul>
 *   <li><b>transaction</b>: all or nothing. Every entry is checked and its resource validated before anything is
 *       stored; the writes then run as one unit of work, in the order DELETE, POST, PUT, GET. POST entries get
 *       new ids, and references to an entry's {@code fullUrl} ({@code urn:uuid:...}) become that entry's
 *       {@code Type/id}; a conditional create that matches points them at the matched resource. Two entries
 *       writing one resource answer 400. The first failing entry fails the whole Bundle with its status and an
 *       OperationOutcome naming the entry; nothing is stored. Listeners hear of the writes after the commit.
 *   <li><b>batch</b>: each entry on its own (its own unit of work), in Bundle order; a failing entry gets its
 *       status and OperationOutcome in its response entry and the others go on.
 * </ul>
 *
 * Either way the entries' resources are validated on every core before the first write.
 *
 * Both answer with the response Bundle, one entry per request entry in request order. Thread-safe.
 */
final class BundleProcessor {

    private final FormularyServices services;
    private final EntryExecutor executor;
    private final Set<String> served;
    private final Set<String> readOnly;

    BundleProcessor(FormularyServices services, Set<String> served, Set<String> readOnly) {
        this.services = services;
        this.executor = new EntryExecutor(services);
        this.served = Set.copyOf(served);
        this.readOnly = Set.copyOf(readOnly);
    }

    Bundle transaction(Bundle bundle, RequestDetails request) {
        String base = request.getFhirServerBase();
        List<EntryRequest> entries = new ArrayList<>();
        for (int i = 0; i < bundle.getEntry().size(); i++) {
            entries.add(parse(bundle.getEntry().get(i), i, base));
        }
        requireDistinctTargets(entries);
        Map<Integer, String> newIds = new HashMap<>();
        Map<String, String> targets = new HashMap<>();
        for (EntryRequest entry : entries) {
            String newId = UUID.randomUUID().toString();
            newIds.put(entry.index(), newId);
            String id = entry.method() == Bundle.HTTPVerb.PUT && entry.id() != null ? entry.id()
                    : entry.method() == Bundle.HTTPVerb.PUT ? entry.resource().getIdElement().getIdPart() : newId;
            if (entry.fullUrl() != null && entry.resource() != null) {
                targets.put(entry.fullUrl(), entry.type() + "/" + (id == null ? newId : id));
            }
        }
        ValidatingResourceStore store = services.writer(request);
        store.prepareEach(withResource(entries), entry -> atEntry(entry, () -> {
            EntryReferences.rewrite(services.ctx(), entry.resource(), targets);
            store.prepare(entry.resource());
        }));
        boolean representation = representation(request);
        Bundle.BundleEntryComponent[] responses = new Bundle.BundleEntryComponent[entries.size()];
        store.inTransaction(writer -> {
            Map<Integer, EntryExecutor.Resolution> resolved = new HashMap<>();
            Map<String, String> moved = new HashMap<>();
            for (EntryRequest entry : entries) {
                atEntry(entry, () -> {
                    EntryExecutor.Resolution resolution = executor.resolve(writer, entry, newIds.get(entry.index()));
                    resolved.put(entry.index(), resolution);
                    String assigned = targets.get(entry.fullUrl());
                    String actual = entry.type() + "/" + resolution.id();
                    if (assigned != null && !assigned.equals(actual)) {
                        moved.put(assigned, actual);
                    }
                });
            }
            if (!moved.isEmpty()) {
                entries.stream().filter(e -> e.resource() != null)
                        .forEach(e -> EntryReferences.rewrite(services.ctx(), e.resource(), moved));
            }
            List<EntryRequest> ordered = new ArrayList<>(entries);
            ordered.sort(Comparator.comparingInt(EntryRequest::processingOrder));
            for (EntryRequest entry : ordered) {
                atEntry(entry, () -> responses[entry.index()] = executor.execute(writer, entry,
                        resolved.get(entry.index()), base, representation));
            }
            return responses;
        });
        return response(Bundle.BundleType.TRANSACTIONRESPONSE, List.of(responses));
    }

    Bundle batch(Bundle bundle, RequestDetails request) {
        String base = request.getFhirServerBase();
        boolean representation = representation(request);
        ValidatingResourceStore store = services.writer(request);
        Bundle.BundleEntryComponent[] responses = new Bundle.BundleEntryComponent[bundle.getEntry().size()];
        List<EntryRequest> entries = new ArrayList<>();
        for (int i = 0; i < responses.length; i++) {
            try {
                entries.add(parse(bundle.getEntry().get(i), i, base));
            } catch (BaseServerResponseException e) {
                responses[i] = failure(e);
            }
        }
        store.prepareEach(withResource(entries), entry -> {
            try {
                atEntry(entry, () -> {
                    // Batch entries are independent: a reference to another entry's fullUrl names nothing.
                    EntryReferences.rewrite(services.ctx(), entry.resource(), Map.of());
                    store.prepare(entry.resource());
                });
            } catch (BaseServerResponseException e) {
                responses[entry.index()] = failure(e);
            }
        });
        for (EntryRequest entry : entries) {
            if (responses[entry.index()] == null) {
                try {
                    String newId = UUID.randomUUID().toString();
                    responses[entry.index()] = atEntry(entry, () -> store.inTransaction(writer -> executor.execute(
                            writer, entry, executor.resolve(writer, entry, newId), base, representation)));
                } catch (BaseServerResponseException e) {
                    responses[entry.index()] = failure(e);
                }
            }
        }
        return response(Bundle.BundleType.BATCHRESPONSE, List.of(responses));
    }

    private static List<EntryRequest> withResource(List<EntryRequest> entries) {
        return entries.stream().filter(entry -> entry.resource() != null).toList();
    }

    private static Bundle.BundleEntryComponent failure(BaseServerResponseException e) {
        return EntryExecutor.failure(e.getStatusCode(), (OperationOutcome) e.getOperationOutcome());
    }

    private EntryRequest parse(Bundle.BundleEntryComponent entry, int index, String base) {
        try {
            return EntryRequest.parse(index, entry, base, served, readOnly);
        } catch (RuntimeException e) {
            throw EntryErrors.at(null, index, entry.getRequest().getUrl(), e);
        }
    }

    private static void requireDistinctTargets(List<EntryRequest> entries) {
        Set<String> seen = new HashSet<>();
        for (EntryRequest entry : entries) {
            String target = entry.method() == Bundle.HTTPVerb.GET ? null : entry.target();
            if (target != null && !seen.add(target)) {
                throw EntryErrors.at(entry, entry.index(), entry.url(), new InvalidRequestException(
                        target + " is the target of more than one entry; a transaction writes a resource once"));
            }
        }
    }

    private static void atEntry(EntryRequest entry, Runnable step) {
        atEntry(entry, () -> {
            step.run();
            return null;
        });
    }

    private static <T> T atEntry(EntryRequest entry, Supplier<T> step) {
        try {
            return step.get();
        } catch (RuntimeException e) {
            throw EntryErrors.at(entry, entry.index(), entry.url(), e);
        }
    }

    private static boolean representation(RequestDetails request) {
        String prefer = request.getHeader("Prefer");
        return prefer != null && prefer.replace(" ", "").contains("return=representation");
    }

    private static Bundle response(Bundle.BundleType type, List<Bundle.BundleEntryComponent> entries) {
        Bundle response = new Bundle().setType(type);
        response.setId(UUID.randomUUID().toString());
        entries.forEach(response::addEntry);
        return response;
    }
}
