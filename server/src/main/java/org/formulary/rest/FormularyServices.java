package org.formulary.rest;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.validation.ValidationResult;
import java.util.List;
import java.util.Optional;
import org.formulary.search.QueryParser;
import org.formulary.store.HistoryPage;
import org.formulary.store.HistoryQuery;
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
 * @param maxCount largest page size
 */
public record FormularyServices(
        FhirContext ctx,
        ValidatingResourceStore store,
        QueryParser parser,
        ProfileValidator validator,
        int defaultCount,
        int maxCount) {

    /** The resource held by a stored version. */
    public IBaseResource parse(StoredResource stored) {
        return ctx.newJsonParser().parseResource(stored.json());
    }

    /** A searchset Bundle for a search on {@code type}. */
    Bundle search(String type, RequestDetails request) {
        String prefer = request.getHeader("Prefer");
        boolean strict = prefer != null && prefer.replace(" ", "").contains("handling=strict");
        QueryParser.Parsed parsed = parser.parse(type, request.getParameters(), strict);
        SearchPage page = store.search(parsed.query());
        List<StoredResource> included = Includes.resolve(store, parsed.includes(), page.matches());
        return BundlePages.searchset(request.getFhirServerBase(), type, parsed, page, included, this::parse);
    }

    /** A history Bundle for one resource, one type or (both empty) the whole server. */
    Bundle history(Optional<String> type, Optional<String> id, InstantType since, Integer count,
            RequestDetails request) {
        int pageSize = count == null ? defaultCount : Math.max(1, Math.min(count, maxCount));
        Optional<Long> before = Optional.ofNullable(request.getParameters().get("_cursor"))
                .filter(v -> v.length > 0)
                .map(v -> parseSeq(v[0]));
        HistoryQuery query = new HistoryQuery(type, id,
                Optional.ofNullable(since).map(s -> s.getValue().toInstant()), pageSize, before);
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

    private static long parseSeq(String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new InvalidRequestException("Invalid value for parameter '_cursor': not a cursor this server made");
        }
    }
}
