package org.formulary.narrative;

import ca.uhn.fhir.context.BaseRuntimeChildDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementCompositeDefinition;
import ca.uhn.fhir.context.FhirContext;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBase;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.DomainResource;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Narrative;

/**
 * Writes a resource's narrative ({@code text}) from its data, for every resource type alike: a heading with the
 * resource's name or code, then a table with one row per populated top-level element, each value summarised by
 * {@link ValueSummary}. Narratives a client wrote itself (status other than {@code generated}) are kept.
 * Stateless and thread-safe.
 */
public final class NarrativeGenerator {

    private static final Set<String> SKIPPED = Set.of("id", "meta", "implicitRules", "language", "text", "contained",
            "extension", "modifierExtension");
    private static final int MAX_CELL = 2_000;

    private final FhirContext ctx;

    public NarrativeGenerator(FhirContext ctx) {
        this.ctx = ctx;
    }

    /** Sets a generated narrative on {@code resource} unless it carries one written by hand. */
    public void apply(IBaseResource resource) {
        if (!(resource instanceof DomainResource domain)) {
            return;
        }
        if (domain.hasText() && domain.getText().getStatus() != Narrative.NarrativeStatus.GENERATED
                && domain.getText().hasDiv()) {
            return;
        }
        domain.getText().setStatus(Narrative.NarrativeStatus.GENERATED);
        domain.getText().setDivAsString(render(domain));
    }

    private String render(DomainResource resource) {
        BaseRuntimeElementCompositeDefinition<?> definition = ctx.getResourceDefinition(resource);
        StringBuilder html = new StringBuilder("<div xmlns=\"http://www.w3.org/1999/xhtml\">");
        html.append("<p><b>").append(escape(ctx.getResourceType(resource))).append(' ')
                .append(escape(ValueSummary.title(resource))).append("</b></p><table>");
        for (BaseRuntimeChildDefinition child : definition.getChildren()) {
            if (SKIPPED.contains(child.getElementName())) {
                continue;
            }
            List<IBase> values = child.getAccessor().getValues(resource);
            if (values.isEmpty()) {
                continue;
            }
            StringBuilder cell = new StringBuilder();
            for (IBase value : values) {
                String summary = ValueSummary.of(value);
                if (!summary.isBlank()) {
                    cell.append(cell.length() == 0 ? "" : "; ").append(summary);
                }
            }
            if (cell.length() > 0) {
                html.append("<tr><th>").append(escape(child.getElementName().replace("[x]", ""))).append("</th><td>")
                        .append(escape(cut(cell.toString()))).append("</td></tr>");
            }
        }
        for (Extension extension : resource.getExtension()) {
            String summary = ValueSummary.extension(extension, 0);
            int colon = summary.indexOf(": ");
            if (colon > 0) {
                html.append("<tr><th>").append(escape(summary.substring(0, colon))).append("</th><td>")
                        .append(escape(cut(summary.substring(colon + 2)))).append("</td></tr>");
            }
        }
        return html.append("</table></div>").toString();
    }

    private static String cut(String text) {
        return text.length() > MAX_CELL ? text.substring(0, MAX_CELL) + "…" : text;
    }

    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
