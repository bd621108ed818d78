package org.formulary.search;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeSearchParam;
import ca.uhn.fhir.rest.api.RestSearchParameterTypeEnum;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import ca.uhn.fhir.rest.server.util.ResourceSearchParams;
import jakarta.annotation.Nonnull;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.Enumerations.PublicationStatus;
import org.hl7.fhir.r4.model.SearchParameter;

/**
 * The search parameters this server indexes and answers: the base FHIR R4 parameters of every resource type plus
 * the {@code SearchParameter} resources of the conformance package (which replace a base parameter of the same
 * code). Parameters of a type this server cannot evaluate (composite, special) are left out, so that the
 * CapabilityStatement built from this registry lists only what works.
 *
 * <p>Built once at startup. A type's parameters are collected the first time they are asked for: collecting them
 * makes HAPI scan the type's model classes, and scanning all 146 R4 types took about a second of every startup
 * while the server uses a dozen. Thread-safe.
 */
public final class SearchParamRegistry implements ISearchParamRegistry {

    /** The parameter types the index and the query builder support. */
    public static final Set<RestSearchParameterTypeEnum> SUPPORTED_TYPES = EnumSet.of(
            RestSearchParameterTypeEnum.TOKEN,
            RestSearchParameterTypeEnum.STRING,
            RestSearchParameterTypeEnum.REFERENCE,
            RestSearchParameterTypeEnum.DATE,
            RestSearchParameterTypeEnum.NUMBER,
            RestSearchParameterTypeEnum.QUANTITY,
            RestSearchParameterTypeEnum.URI);

    /** Parameters answered from the resource table rather than the index. */
    public static final Set<String> BUILT_IN = Set.of("_id", "_lastUpdated");

    private final FhirContext ctx;
    private final Set<String> baseTypes;
    /** The package's parameters, by the type they apply to. */
    private final Map<String, List<RuntimeSearchParam>> packageParams;
    private final ConcurrentMap<String, Map<String, RuntimeSearchParam>> byType = new ConcurrentHashMap<>();

    private SearchParamRegistry(FhirContext ctx, Map<String, List<RuntimeSearchParam>> packageParams) {
        this.ctx = ctx;
        this.baseTypes = Set.copyOf(ctx.getResourceTypes());
        this.packageParams = packageParams;
    }

    /** Builds the registry from the base definitions of {@code ctx} and the given conformance parameters. */
    public static SearchParamRegistry build(FhirContext ctx, Collection<SearchParameter> conformanceParams) {
        Map<String, List<RuntimeSearchParam>> packageParams = new HashMap<>();
        for (SearchParameter sp : conformanceParams) {
            if (sp.getStatus() == PublicationStatus.RETIRED) {
                continue;
            }
            RuntimeSearchParam runtime = toRuntime(sp);
            if (!isIndexable(runtime)) {
                continue;
            }
            for (var base : sp.getBase()) {
                packageParams.computeIfAbsent(base.getCode(), t -> new ArrayList<>()).add(runtime);
            }
        }
        return new SearchParamRegistry(ctx, Map.copyOf(packageParams));
    }

    /** The indexed parameters of {@code type}, keyed by code. */
    public Map<String, RuntimeSearchParam> paramsOf(String type) {
        if (!baseTypes.contains(type) && !packageParams.containsKey(type)) {
            return Map.of(); // not a type: nothing to keep (clients name any type they like)
        }
        return byType.computeIfAbsent(type, this::collect);
    }

    private Map<String, RuntimeSearchParam> collect(String type) {
        Map<String, RuntimeSearchParam> params = new LinkedHashMap<>();
        if (baseTypes.contains(type)) {
            for (RuntimeSearchParam sp : ctx.getResourceDefinition(type).getSearchParams()) {
                if (isIndexable(sp)) {
                    params.put(sp.getName(), sp);
                }
            }
        }
        for (RuntimeSearchParam sp : packageParams.getOrDefault(type, List.of())) {
            params.put(sp.getName(), sp);
        }
        return Collections.unmodifiableMap(params);
    }

    /** The parameter {@code name} of {@code type}, if this server supports it. */
    public Optional<RuntimeSearchParam> find(String type, String name) {
        return Optional.ofNullable(paramsOf(type).get(name));
    }

    @Override
    public RuntimeSearchParam getActiveSearchParam(
            @Nonnull String resourceName, @Nonnull String paramName, @Nonnull SearchParamLookupContextEnum context) {
        return paramsOf(resourceName).get(paramName);
    }

    @Override
    public ResourceSearchParams getActiveSearchParams(
            @Nonnull String resourceName, @Nonnull SearchParamLookupContextEnum context) {
        ResourceSearchParams result = new ResourceSearchParams(resourceName);
        paramsOf(resourceName).forEach(result::put);
        return result;
    }

    @Override
    public RuntimeSearchParam getActiveSearchParamByUrl(
            @Nonnull String url, @Nonnull SearchParamLookupContextEnum context) {
        return Stream.concat(packageParams.keySet().stream(), baseTypes.stream())
                .flatMap(type -> paramsOf(type).values().stream())
                .filter(sp -> url.equals(sp.getUri()))
                .findFirst()
                .orElse(null);
    }

    @Override
    public void forceRefresh() {
        // immutable: nothing to refresh
    }

    private static boolean isIndexable(RuntimeSearchParam sp) {
        return BUILT_IN.contains(sp.getName())
                || SUPPORTED_TYPES.contains(sp.getParamType()) && sp.getPath() != null && !sp.getPath().isBlank();
    }

    private static RuntimeSearchParam toRuntime(SearchParameter sp) {
        Set<String> targets = sp.getTarget().stream().map(t -> t.getCode()).collect(Collectors.toSet());
        List<String> bases = sp.getBase().stream().map(b -> b.getCode()).toList();
        return new RuntimeSearchParam(
                sp.getIdElement(),
                sp.getUrl(),
                sp.getCode(),
                sp.getDescription(),
                sp.getExpression(),
                RestSearchParameterTypeEnum.forCode(sp.getType().toCode()),
                Set.of(),
                targets,
                RuntimeSearchParam.RuntimeSearchParamStatusEnum.ACTIVE,
                bases);
    }
}
