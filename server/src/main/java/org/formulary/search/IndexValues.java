package org.formulary.search;

import ca.uhn.fhir.context.RuntimeSearchParam;
import java.math.BigDecimal;
import org.hl7.fhir.instance.model.api.IBase;
import org.hl7.fhir.instance.model.api.IPrimitiveType;
import org.hl7.fhir.r4.model.Address;
import org.hl7.fhir.r4.model.BaseDateTimeType;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ContactPoint;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Timing;

/** Turns one FHIRPath result element into index rows according to the parameter's type. Stateless. */
final class IndexValues {

    private static final long MIN_DATE = Long.MIN_VALUE / 2;
    private static final long MAX_DATE = Long.MAX_VALUE / 2;

    private IndexValues() {}

    static void add(IndexRows rows, RuntimeSearchParam sp, IBase value) {
        String name = sp.getName();
        switch (sp.getParamType()) {
            case TOKEN -> addToken(rows, name, value);
            case STRING -> addString(rows, name, value);
            case REFERENCE -> addReference(rows, name, value);
            case DATE -> addDate(rows, name, value);
            case NUMBER -> addNumber(rows, name, value);
            case QUANTITY -> addQuantity(rows, name, value);
            case URI -> addUri(rows, name, value);
            default -> { }
        }
    }

    private static void addToken(IndexRows rows, String name, IBase value) {
        if (value instanceof CodeableConcept cc) {
            for (Coding coding : cc.getCoding()) {
                token(rows, name, coding.getSystem(), coding.getCode(), coding.getDisplay());
            }
            if (cc.hasText()) {
                token(rows, name, null, null, cc.getText());
            }
        } else if (value instanceof Coding coding) {
            token(rows, name, coding.getSystem(), coding.getCode(), coding.getDisplay());
        } else if (value instanceof Identifier identifier) {
            token(rows, name, identifier.getSystem(), identifier.getValue(),
                    identifier.getType() == null ? null : identifier.getType().getText());
        } else if (value instanceof ContactPoint contact) {
            token(rows, name, contact.hasSystem() ? contact.getSystem().toCode() : null, contact.getValue(), null);
        } else if (value instanceof BooleanType bool && bool.getValue() != null) {
            token(rows, name, null, bool.getValue().toString(), null);
        } else if (value instanceof IPrimitiveType<?> primitive && primitive.getValueAsString() != null) {
            String system = primitive instanceof org.hl7.fhir.r4.model.Enumeration<?> e ? e.getSystem() : null;
            token(rows, name, system, primitive.getValueAsString(), null);
        }
    }

    private static void token(IndexRows rows, String name, String system, String code, String display) {
        if (code == null && display == null) {
            return;
        }
        rows.tokens.add(new IndexRows.Token(name, Text.truncate(system), Text.truncate(code),
                display == null ? null : Text.normalize(display)));
    }

    private static void addString(IndexRows rows, String name, IBase value) {
        if (value instanceof HumanName hn) {
            string(rows, name, hn.getFamily());
            hn.getGiven().forEach(g -> string(rows, name, g.getValue()));
            hn.getPrefix().forEach(p -> string(rows, name, p.getValue()));
            hn.getSuffix().forEach(s -> string(rows, name, s.getValue()));
            string(rows, name, hn.getText());
        } else if (value instanceof Address address) {
            address.getLine().forEach(l -> string(rows, name, l.getValue()));
            string(rows, name, address.getCity());
            string(rows, name, address.getDistrict());
            string(rows, name, address.getState());
            string(rows, name, address.getPostalCode());
            string(rows, name, address.getCountry());
            string(rows, name, address.getText());
        } else if (value instanceof CodeableConcept cc) {
            string(rows, name, cc.getText());
            cc.getCoding().forEach(c -> string(rows, name, c.getDisplay()));
        } else if (value instanceof Coding coding) {
            string(rows, name, coding.getDisplay());
        } else if (value instanceof IPrimitiveType<?> primitive) {
            string(rows, name, primitive.getValueAsString());
        }
    }

    private static void string(IndexRows rows, String name, String text) {
        if (text != null && !text.isBlank()) {
            rows.strings.add(new IndexRows.Str(name, Text.normalize(text), Text.truncate(text)));
        }
    }

    private static void addReference(IndexRows rows, String name, IBase value) {
        String target;
        if (value instanceof Reference reference) {
            if (reference.hasIdentifier()) {
                Identifier identifier = reference.getIdentifier();
                token(rows, IndexRows.identifierParam(name), identifier.getSystem(), identifier.getValue(), null);
            }
            target = reference.getReference();
        } else if (value instanceof IPrimitiveType<?> canonical) {
            target = canonical.getValueAsString();
        } else {
            return;
        }
        if (target == null || target.isBlank() || target.startsWith("#")) {
            return;
        }
        IdType id = new IdType(target);
        boolean relative = !id.isAbsolute() && id.hasResourceType() && id.hasIdPart();
        if (relative) {
            rows.references.add(new IndexRows.Ref(name, id.getResourceType(), id.getIdPart(), null));
        } else {
            String type = id.hasResourceType() ? id.getResourceType() : null;
            String idPart = id.hasIdPart() && type != null ? id.getIdPart() : null;
            rows.references.add(new IndexRows.Ref(name, type, idPart, Text.truncate(target)));
        }
    }

    private static void addDate(IndexRows rows, String name, IBase value) {
        if (value instanceof BaseDateTimeType date && date.getValue() != null) {
            long[] range = DateRanges.of(date);
            rows.dates.add(new IndexRows.DateRange(name, range[0], range[1]));
        } else if (value instanceof Period period && (period.hasStart() || period.hasEnd())) {
            long low = period.hasStart() ? DateRanges.of(period.getStartElement())[0] : MIN_DATE;
            long high = period.hasEnd() ? DateRanges.of(period.getEndElement())[1] : MAX_DATE;
            rows.dates.add(new IndexRows.DateRange(name, low, high));
        } else if (value instanceof Timing timing) {
            timing.getEvent().stream().filter(e -> e.getValue() != null).forEach(e -> addDate(rows, name, e));
        }
    }

    private static void addNumber(IndexRows rows, String name, IBase value) {
        if (value instanceof IPrimitiveType<?> primitive && primitive.getValue() instanceof Number number) {
            rows.numbers.add(new IndexRows.Num(name, new BigDecimal(number.toString()), null, null));
        }
    }

    private static void addQuantity(IndexRows rows, String name, IBase value) {
        if (value instanceof Quantity quantity && quantity.getValue() != null) {
            String code = quantity.hasCode() ? quantity.getCode() : quantity.getUnit();
            rows.numbers.add(new IndexRows.Num(name, quantity.getValue(), quantity.getSystem(), code));
        }
    }

    private static void addUri(IndexRows rows, String name, IBase value) {
        if (value instanceof IPrimitiveType<?> primitive && primitive.getValueAsString() != null) {
            rows.uris.add(new IndexRows.Uri(name, primitive.getValueAsString()));
        }
    }
}
