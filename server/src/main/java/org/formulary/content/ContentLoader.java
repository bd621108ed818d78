package org.formulary.content;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.formulary.store.ResourceStore;
import org.formulary.store.WriteOutcome;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * Loads the formulary content ({@code resources/}) at startup through the same validating write path clients use.
 * Each file holds one resource with a fixed id; loading is idempotent: a file whose content equals the stored
 * current version creates no version, a changed file creates one. A file that fails validation stops the startup.
 */
public final class ContentLoader {

    /**
     * What a load did.
     *
     * @param files how many resource files were read and validated
     * @param created how many resources were new
     * @param updated how many got a new version
     * @param unchanged how many were already stored as they are
     * @param types the resource types the content holds
     */
    public record Report(int files, int created, int updated, int unchanged, Set<String> types) {}

    private final FhirContext ctx;
    private final ResourceStore store;

    public ContentLoader(FhirContext ctx, ResourceStore store) {
        this.ctx = ctx;
        this.store = store;
    }

    /** Loads every {@code *.json} file of {@code dir}, or of the content carried in the jar. */
    public Report load(Optional<Path> dir) {
        int files = 0;
        int created = 0;
        int updated = 0;
        int unchanged = 0;
        Set<String> types = new TreeSet<>();
        for (ResourceFolder.Entry entry : ResourceFolder.read(dir, "content")) {
            IBaseResource resource = parse(entry);
            String type = ctx.getResourceType(resource);
            String id = resource.getIdElement().getIdPart();
            types.add(type);
            WriteOutcome outcome;
            try {
                outcome = store.update(type, id, resource, null);
            } catch (UnprocessableEntityException e) {
                throw new IllegalStateException("Content file " + entry.name() + " (" + type + "/" + id
                        + ") is not valid: " + describe(e), e);
            }
            files++;
            if (!outcome.changed()) {
                unchanged++;
            } else if (outcome.created()) {
                created++;
            } else {
                updated++;
            }
        }
        return new Report(files, created, updated, unchanged, Set.copyOf(types));
    }

    private IBaseResource parse(ResourceFolder.Entry entry) {
        IBaseResource resource;
        try {
            resource = ctx.newJsonParser().parseResource(entry.text());
        } catch (DataFormatException e) {
            throw new IllegalStateException("Content file " + entry.name() + " is not valid FHIR JSON: "
                    + e.getMessage(), e);
        }
        if (resource.getIdElement().getIdPart() == null) {
            throw new IllegalStateException("Content file " + entry.name() + " has no id");
        }
        return resource;
    }

    private String describe(UnprocessableEntityException e) {
        if (e.getOperationOutcome() instanceof OperationOutcome oo) {
            StringBuilder b = new StringBuilder();
            oo.getIssue().stream()
                    .filter(i -> i.getSeverity() == OperationOutcome.IssueSeverity.ERROR
                            || i.getSeverity() == OperationOutcome.IssueSeverity.FATAL)
                    .forEach(i -> b.append("\n  ").append(i.getLocation()).append(": ").append(i.getDiagnostics()));
            return b.toString();
        }
        return e.getMessage();
    }
}
