package org.formulary.narrative;

import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBase;
import org.hl7.fhir.instance.model.api.IPrimitiveType;
import org.hl7.fhir.r4.model.Attachment;
import org.hl7.fhir.r4.model.Base;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DomainResource;
import org.hl7.fhir.r4.model.Dosage;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Property;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Range;
import org.hl7.fhir.r4.model.Ratio;
import org.hl7.fhir.r4.model.Reference;

/** One-line, human-readable summaries of FHIR values for generated narratives. Stateless. */
final class ValueSummary {

    private static final int MAX_DEPTH = 3;

    private ValueSummary() {}

    /** A short name for the resource: its code or name, else its id. */
    static String title(DomainResource resource) {
        for (String name : List.of("code", "title", "name", "symptomConditionEffect", "description")) {
            Property property = resource.getNamedProperty(name);
            if (property != null && property.hasValues()) {
                String summary = of(property.getValues().get(0));
                if (!summary.isBlank()) {
                    return summary;
                }
            }
        }
        return resource.getIdElement().getIdPart() == null ? "" : resource.getIdElement().getIdPart();
    }

    static String of(IBase value) {
        return of(value, 0);
    }

    private static String of(IBase value, int depth) {
        if (value instanceof IPrimitiveType<?> primitive) {
            return primitive.getValueAsString() == null ? "" : primitive.getValueAsString();
        } else if (value instanceof CodeableConcept cc) {
            return cc.hasText() ? cc.getText() : cc.getCoding().isEmpty() ? "" : of(cc.getCodingFirstRep(), depth);
        } else if (value instanceof Coding coding) {
            return coding.hasDisplay() ? coding.getDisplay() : coding.getCode() == null ? "" : coding.getCode();
        } else if (value instanceof Quantity quantity) {
            return quantity.getValue() == null ? "" : quantity.getValue().toPlainString()
                    + (quantity.hasUnit() ? " " + quantity.getUnit() : quantity.hasCode() ? " " + quantity.getCode() : "");
        } else if (value instanceof Ratio ratio) {
            return of(ratio.getNumerator(), depth) + " per " + of(ratio.getDenominator(), depth);
        } else if (value instanceof Range range) {
            return of(range.getLow(), depth) + " to " + of(range.getHigh(), depth);
        } else if (value instanceof Period period) {
            return (period.hasStart() ? period.getStartElement().getValueAsString() : "") + " to "
                    + (period.hasEnd() ? period.getEndElement().getValueAsString() : "");
        } else if (value instanceof Reference reference) {
            return reference.hasDisplay() ? reference.getDisplay() : reference.getReference() == null ? ""
                    : reference.getReference();
        } else if (value instanceof Identifier identifier) {
            return identifier.getValue() == null ? "" : identifier.getValue();
        } else if (value instanceof Attachment attachment) {
            return attachment.hasTitle() ? attachment.getTitle() : attachment.hasUrl() ? attachment.getUrl() : "";
        } else if (value instanceof Dosage dosage && dosage.hasText()) {
            return dosage.getText();
        } else if (value instanceof Extension extension) {
            return extension(extension, depth);
        } else if (value instanceof Base composite && depth < MAX_DEPTH) {
            return composite(composite, depth + 1);
        }
        return "";
    }

    /** {@code name: value}, named after the last segment of the extension's URL; nested ones in parentheses. */
    static String extension(Extension extension, int depth) {
        String url = extension.getUrl() == null ? "extension" : extension.getUrl();
        String name = url.substring(url.lastIndexOf('/') + 1);
        if (extension.hasValue()) {
            return name + ": " + of(extension.getValue(), depth);
        }
        List<String> parts = new ArrayList<>();
        for (Extension nested : extension.getExtension()) {
            String summary = depth < MAX_DEPTH ? extension(nested, depth + 1) : "";
            if (!summary.isBlank()) {
                parts.add(summary);
            }
        }
        return parts.isEmpty() ? "" : name + ": (" + String.join("; ", parts) + ")";
    }

    private static String composite(Base value, int depth) {
        List<String> parts = new ArrayList<>();
        for (Property property : value.children()) {
            if (!property.hasValues() || property.getName().equals("id")) {
                continue;
            }
            List<String> values = new ArrayList<>();
            for (Base child : property.getValues()) {
                String summary = of(child, depth);
                if (!summary.isBlank()) {
                    values.add(summary);
                }
            }
            if (!values.isEmpty()) {
                parts.add(property.getName().replace("[x]", "") + ": " + String.join(", ", values));
            }
        }
        return parts.isEmpty() ? "" : "(" + String.join("; ", parts) + ")";
    }
}
