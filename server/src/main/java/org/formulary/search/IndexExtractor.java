package org.formulary.search;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeSearchParam;
import ca.uhn.fhir.fhirpath.IFhirPath;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.instance.model.api.IBase;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Computes a resource's search-index rows by evaluating the FHIRPath expression of every registered search
 * parameter of its type with HAPI's FHIRPath engine; {@link IndexValues} turns the resulting elements into rows.
 * There is no per-resource-type code.
 *
 * <p>Thread-safe: expressions are parsed once and each thread evaluates with its own engine.
 */
public final class IndexExtractor {

    private static final Logger LOG = LoggerFactory.getLogger(IndexExtractor.class);

    private final FhirContext ctx;
    private final SearchParamRegistry registry;
    private final ThreadLocal<IFhirPath> engines;
    private final Map<String, IFhirPath.IParsedExpression> parsed = new HashMap<>();

    public IndexExtractor(FhirContext ctx, SearchParamRegistry registry) {
        this.ctx = ctx;
        this.registry = registry;
        this.engines = ThreadLocal.withInitial(ctx::newFhirPath);
    }

    /** The index rows of {@code resource}. */
    public IndexRows extract(IBaseResource resource) {
        String type = ctx.getResourceType(resource);
        IndexRows rows = new IndexRows();
        IFhirPath engine = engines.get();
        for (RuntimeSearchParam sp : registry.paramsOf(type).values()) {
            if (SearchParamRegistry.BUILT_IN.contains(sp.getName())) {
                continue;
            }
            List<IBase> values;
            try {
                values = engine.evaluate(resource, expression(type, sp), IBase.class);
            } catch (Exception e) {
                LOG.warn("Search parameter {}:{} could not be evaluated ({}); not indexed", type, sp.getName(),
                        e.getMessage());
                continue;
            }
            for (IBase value : values) {
                IndexValues.add(rows, sp, value);
            }
        }
        return rows;
    }

    private IFhirPath.IParsedExpression expression(String type, RuntimeSearchParam sp) throws Exception {
        String key = type + ":" + sp.getName();
        synchronized (parsed) {
            IFhirPath.IParsedExpression expression = parsed.get(key);
            if (expression == null) {
                // Base parameters such as _profile are written against "Resource"; evaluate them on the real type.
                String path = sp.getPath().replaceAll("(^|[|(\\s])Resource\\.", "$1" + type + ".");
                expression = engines.get().parse(path);
                parsed.put(key, expression);
            }
            return expression;
        }
    }
}
