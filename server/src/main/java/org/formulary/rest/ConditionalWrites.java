package org.formulary.rest;

import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.PreconditionFailedException;
import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import ca.uhn.fhir.util.UrlUtil;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.formulary.search.QueryParser;
import org.formulary.search.SearchQuery;
import org.formulary.search.SortOrder;
import org.formulary.store.ResourceWriter;
import org.formulary.store.SearchPage;
import org.formulary.store.StoredResource;
import org.formulary.store.WriteOutcome;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * Conditional create ({@code If-None-Exist}) and conditional update ({@code PUT [type]?[search]}), for single
 * requests and transaction entries alike. The condition is parsed first ({@link #condition}: 400 on a malformed or
 * unknown parameter, since ignoring one would widen the match); the search and the write then run on the writer
 * of one unit of work ({@link org.formulary.store.ResourceStore#inTransaction}), which holds the write lock, so no
 * concurrent write can slip in between: two concurrent conditional creates store one resource. No match: create;
 * one match: return it (create) or update it (update); several: 412. Thread-safe.
 */
public final class ConditionalWrites {

    private final QueryParser parser;

    public ConditionalWrites(QueryParser parser) {
        this.parser = parser;
    }

    /**
     * The search of a condition on {@code type}: {@code identifier=...}, {@code ?identifier=...} or
     * {@code Type?identifier=...} (the type, if given, must be {@code type}).
     *
     * @throws InvalidRequestException if the condition is empty, names another type or has a parameter this
     *     server does not search by
     */
    public SearchQuery condition(String type, String condition) {
        String query = condition.trim();
        int question = query.indexOf('?');
        if (question >= 0) {
            String named = query.substring(0, question);
            if (!named.isEmpty() && !named.equals(type) && !named.endsWith("/" + type)) {
                throw new InvalidRequestException("Invalid condition '" + condition + "': it searches " + named
                        + ", not " + type);
            }
            query = query.substring(question + 1);
        }
        Map<String, String[]> params = UrlUtil.parseQueryString(query);
        if (params.isEmpty()) {
            throw new InvalidRequestException("Invalid condition '" + condition + "': a conditional write needs"
                    + " search parameters, e.g. identifier=[system]|[value]");
        }
        QueryParser.Parsed parsed = parser.parse(type, params, true);
        if (parsed.query().criteria().isEmpty() || !parsed.includes().isEmpty()) {
            throw new InvalidRequestException("Invalid condition '" + condition + "': it must select resources by"
                    + " search parameters only");
        }
        // Two rows are enough to tell one match from several.
        return new SearchQuery(type, parsed.query().criteria(), SortOrder.ID_ASC, 2, Optional.empty(), false);
    }

    /** The one resource {@code condition} matches, if any; 412 if it matches several. */
    public Optional<StoredResource> match(ResourceWriter writer, SearchQuery condition) {
        SearchPage page = writer.search(condition);
        List<StoredResource> matches = page.matches();
        if (matches.size() > 1) {
            throw new PreconditionFailedException("The condition matches more than one " + condition.type()
                    + " (" + matches.get(0).id() + ", " + matches.get(1).id() + ", ...): it must match at most one");
        }
        return matches.stream().findFirst();
    }

    /**
     * Creates {@code resource} under {@code id} unless {@code condition} matches a resource, which is then returned
     * unchanged ({@link WriteOutcome#created()} and {@link WriteOutcome#changed()} false).
     */
    public WriteOutcome create(ResourceWriter writer, String type, String id, IBaseResource resource,
            SearchQuery condition) {
        Optional<StoredResource> existing = match(writer, condition);
        if (existing.isPresent()) {
            return new WriteOutcome(existing.get(), false, false);
        }
        return writer.update(type, id, resource, null);
    }

    /**
     * Updates the resource {@code condition} matches with {@code resource}; without a match, creates it under its
     * own id or, if it has none, under a new one.
     */
    public WriteOutcome update(ResourceWriter writer, String type, IBaseResource resource, SearchQuery condition,
            Long expectedVersion) {
        String id = updateTarget(writer, type, resource.getIdElement().getIdPart(), condition,
                UUID.randomUUID().toString());
        return writer.update(type, id, resource, expectedVersion);
    }

    /**
     * The id a conditional update of {@code type} writes: the matched resource's; without a match the resource's
     * own id {@code ownId}, or {@code newId} if it has none.
     *
     * @throws InvalidRequestException if {@code ownId} is not the matched resource's id
     * @throws ResourceVersionConflictException (409) if nothing matches and {@code ownId} belongs to a resource
     *     that does not match the condition
     */
    public String updateTarget(ResourceWriter writer, String type, String ownId, SearchQuery condition,
            String newId) {
        Optional<StoredResource> existing = match(writer, condition);
        if (existing.isPresent()) {
            String matched = existing.get().id();
            if (ownId != null && !ownId.equals(matched)) {
                throw new InvalidRequestException("The resource's id (" + ownId + ") is not the id of the " + type
                        + " the condition matches (" + matched + ")");
            }
            return matched;
        }
        if (ownId == null) {
            return newId;
        }
        Ids.requireValid(ownId);
        if (writer.read(type, ownId).filter(r -> !r.deleted()).isPresent()) {
            throw new ResourceVersionConflictException(type + "/" + ownId + " exists but does not match the"
                    + " condition of this conditional update");
        }
        return ownId;
    }
}
