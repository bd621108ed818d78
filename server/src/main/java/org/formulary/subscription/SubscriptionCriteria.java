package org.formulary.subscription;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.formulary.search.QueryParser;
import org.formulary.search.SearchQuery;

/**
 * The criteria of a Subscription: a search URL relative to the FHIR base, {@code [type]?[parameters]} (for example
 * {@code Medication?code=http://www.nlm.nih.gov/research/umls/rxnorm|197391}, or {@code Medication?} for every
 * change of a type). Parameter names and values are URL-decoded like a search request's query string.
 *
 * <p>Whether a resource matches is answered by the server's own search: the criteria plus {@code _id=<the id>}
 * run through {@link QueryParser} and the store's search, so a Subscription matches exactly the resources a search
 * with its criteria would return. Immutable and thread-safe.
 *
 * @param text the criteria as the Subscription gives them
 * @param type the resource type searched
 * @param params the search parameters, each name with its values in order (a repeated name is AND)
 */
public record SubscriptionCriteria(String text, String type, Map<String, List<String>> params) {

    /** Parameters that shape a search response; meaningless for matching one resource, so not used. */
    private static final List<String> IGNORED = List.of("_count", "_sort", "_total", "_cursor", "_summary",
            "_elements", "_format", "_pretty", "_include", "_revinclude");

    public SubscriptionCriteria {
        Map<String, List<String>> copy = new LinkedHashMap<>();
        params.forEach((name, values) -> copy.put(name, List.copyOf(values)));
        params = Collections.unmodifiableMap(copy);
    }

    /**
     * Parses and checks {@code text}: the type must be a FHIR resource type other than Subscription, and the
     * parameters must be a search {@code parser} accepts under strict handling (an unknown parameter would
     * otherwise be ignored and match every resource of the type).
     *
     * @throws InvalidSubscriptionException naming {@code Subscription.criteria} and what is wrong
     */
    public static SubscriptionCriteria parse(String text, FhirContext ctx, QueryParser parser)
            throws InvalidSubscriptionException {
        if (text == null || text.isBlank()) {
            throw invalid("is missing; give a search such as Medication?code=<system>|<code>");
        }
        String trimmed = text.trim();
        int question = trimmed.indexOf('?');
        String type = question < 0 ? trimmed : trimmed.substring(0, question);
        String query = question < 0 ? "" : trimmed.substring(question + 1);
        if (!ctx.getResourceTypes().contains(type)) {
            throw invalid("'" + text + "' does not start with a FHIR resource type followed by '?' and search"
                    + " parameters (for example Medication?code=<system>|<code>)");
        }
        if (type.equals("Subscription")) {
            throw invalid("changes of Subscription resources cannot be subscribed to");
        }
        Map<String, List<String>> params = new LinkedHashMap<>();
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq), text);
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1), text);
            if (name.isBlank()) {
                throw invalid("'" + text + "' has a parameter without a name");
            }
            if (!IGNORED.contains(name)) {
                params.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            }
        }
        SubscriptionCriteria criteria = new SubscriptionCriteria(text, type, params);
        try {
            parser.parse(type, criteria.searchParams(null), true);
        } catch (BaseServerResponseException e) {
            throw invalid("'" + text + "' is not a search this server can run: " + e.getMessage());
        }
        return criteria;
    }

    /** The search that finds {@code type/id} if, and only if, its current version matches these criteria. */
    public SearchQuery matchQuery(String id, QueryParser parser) {
        return parser.parse(type, searchParams(id), true).query();
    }

    /** The criteria as search request parameters, restricted to {@code id} unless it is {@code null}. */
    private Map<String, String[]> searchParams(String id) {
        Map<String, String[]> request = new LinkedHashMap<>();
        params.forEach((name, values) -> request.put(name, values.toArray(new String[0])));
        if (id != null) {
            List<String> ids = new ArrayList<>(params.getOrDefault("_id", List.of()));
            ids.add(id);
            request.put("_id", ids.toArray(new String[0]));
            request.put("_count", new String[] {"1"});
            request.put("_total", new String[] {"none"});
        }
        return request;
    }

    private static String decode(String raw, String text) throws InvalidSubscriptionException {
        try {
            return URLDecoder.decode(raw, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw invalid("'" + text + "' is not URL-encoded correctly: " + e.getMessage());
        }
    }

    private static InvalidSubscriptionException invalid(String message) {
        return new InvalidSubscriptionException("Subscription.criteria", message);
    }
}
