package org.formulary.rest;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.validation.ValidationResult;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.formulary.auth.Caller;
import org.formulary.search.QueryParser;
import org.formulary.store.HistoryPage;
import org.formulary.store.HistoryQuery;
import org.formulary.store.ResourceWriter;
import org.formulary.store.SearchPage;
import org.formulary.store.StoredResource;
import org.formulary.validation.ProfileValidator;
import org.formulary.validation.ValidatingResourceStore;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * What the resource providers share: the FHIR context, the validating store, the query parser and the page
 * settings, with the few steps every provider needs (parse a stored version, run a search or a history query into
 * a Bundle, validate for $validate). Immutable and thread-safe.
 *
 * @param ctx the application's one FhirContext
 * @param store the validating write path and the reads
 * @param parser parses search parameters
 * @param validator validates for {@code $validate}
 * @param defaultCount page size without {@code _count}
 * @param versions the stored versions parsed so far
 */
public record FormularyServices(
        FhirContext ctx,
        ValidatingResourceStore store,
        QueryParser parser,
        ProfileValidator validator,
        int defaultCount,
        ParsedVersions versions) {

    /** The resource held by a stored version: a new instance, which the caller may change. */
    public IBaseResource parse(StoredResource stored) {
        return versions.resource(stored);
    }

    /**
     * The write path for the writes of {@code request}, recording them as made by its authenticated caller
     * ({@link Caller#of}), or by {@link Caller#ANONYMOUS} when none is attached.
     */
    public ValidatingResourceStore writer(RequestDetails request) {
        return store.as(Caller.of(request).orElse(Caller.ANONYMOUS));
    }

    /** Conditional create and update, searching with this server's parser. */
    public ConditionalWrites conditions() {
        return new ConditionalWrites(parser);
    }

    /** A searchset Bundle for a search on {@code type}. */
    Bundle search(String type, RequestDetails request) {
        return search(type, request.getParameters(), strict(request), request.getFhirServerBase(), store);
    }

    /**
     * A searchset Bundle for a search of a transaction or batch entry, run by {@code reader} (the unit of work's
     * writer, so that it sees the writes before it); included resources are read from the store.
     */
    Bundle search(String type, Map<String, String[]> params, String base, ResourceWriter reader) {
        return search(type, params, false, base, reader);
    }

    private Bundle search(String type, Map<String, String[]> params, boolean strict, String base,
            ResourceWriter reader) {
        QueryParser.Parsed parsed = parser.parse(type, params, strict);
        SearchPage page = reader.search(parsed.query());
        List<StoredResource> included = Includes.resolve(store, parsed.includes(), page.matches());
        return BundlePages.searchset(base, type, parsed, page, included, this::parse);
    }

    /**
     * A history Bundle for one resource, one type or (both empty) the whole server, from the request's
     * {@code _since} on.
     */
    Bundle history(Optional<String> type, Optional<String> id, Integer count, RequestDetails request) {
        int pageSize = count == null ? defaultCount : Math.max(1, parser.pageSize(count, strict(request)));
        Optional<Long> before = Optional.ofNullable(request.getParameters().get("_cursor"))
                .filter(v -> v.length > 0)
                .map(v -> parseSeq(v[0]));
        HistoryQuery query = new HistoryQuery(type, id,
                since(request), pageSize, before);
        HistoryPage page = store.history(query);
        return BundlePages.history(request, page, this::parse);
    }

    /** The OperationOutcome of {@code $validate}: against {@code profile} if given, else the type's profile. */
    OperationOutcome validate(IBaseResource resource, String profile) {
        ValidationResult result = profile == null || profile.isBlank()
                ? store.validateForWrite(resource)
                : validator.validate(resource, List.of(profile));
        OperationOutcome oo = (OperationOutcome) result.toOperationOutcome();
        if (!oo.hasIssue()) {
            oo.addIssue()
                    .setSeverity(OperationOutcome.IssueSeverity.INFORMATION)
                    .setCode(OperationOutcome.IssueType.INFORMATIONAL)
                    .setDiagnostics("No issues found");
        }
        return oo;
    }

    /** The instant of the request's {@code _since}, if it has one. */
    private static Optional<Instant> since(RequestDetails request) {
        String[] values = request.getParameters().get("_since");
        if (values == null || values.length == 0 || values[0].isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new InstantType(values[0].trim()).getValue().toInstant());
        } catch (DataFormatException | IllegalArgumentException e) {
            throw new InvalidRequestException("Invalid value for parameter '_since': '" + values[0]
                    + "' (not a FHIR instant, e.g. 2024-05-01T10:00:00Z)");
        }
    }

    /** Whether the client asked for strict handling ({@code Prefer: handling=strict}). */
    private static boolean strict(RequestDetails request) {
        String prefer = request.getHeader("Prefer");
        return prefer != null && prefer.replace(" ", "").contains("handling=strict");
    }

    private static long parseSeq(String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new InvalidRequestException("Invalid value for parameter '_cursor': not a cursor this server made");
        }
    }
}
