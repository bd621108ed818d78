package org.formulary.content;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.formulary.store.VersionStamp;
import org.formulary.store.WriteOutcome;
import org.formulary.validation.ValidatingResourceStore;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * Loads the formulary content ({@code resources/}) at startup through the same validating write path clients use.
 * Each file holds one resource with a fixed id; loading is idempotent: a file whose content equals the stored
 * current version creates no version, a changed file creates one. A file that fails validation stops the startup.
 *
 * <p>Validation runs on every core. When the {@link ContentFingerprint} of the content, the conformance package and
 * the server equals that of the last successful load ({@link ContentLoadLog}), a resource whose current version was
 * written by or before that load is known valid and unchanged and is not validated again; any other (new, or
 * written since by a client) goes through the write path as usual.
 */
public final class ContentLoader {

    /**
     * What a load did.
     *
     * @param files how many resource files were read
     * @param validated how many of them were validated (the others were unchanged since the last load)
     * @param created how many resources were new
     * @param updated how many got a new version
     * @param unchanged how many were already stored as they are
     * @param types the resource types the content holds
     */
    public record Report(int files, int validated, int created, int updated, int unchanged, Set<String> types) {}

    /** One content file, parsed. */
    private record Item(ResourceFolder.Entry entry, IBaseResource resource, String type, String id) {}

    private final FhirContext ctx;
    private final ValidatingResourceStore store;
    private final ContentLoadLog log;

    public ContentLoader(FhirContext ctx, ValidatingResourceStore store, ContentLoadLog log) {
        this.ctx = ctx;
        this.store = store;
        this.log = log;
    }

    /**
     * Loads every {@code *.json} file of {@code contentDir}, or of the content carried in the jar, validated
     * against the conformance package of {@code conformanceDir} (or the jar's).
     */
    public Report load(Optional<Path> contentDir, Optional<Path> conformanceDir) {
        List<ResourceFolder.Entry> entries = ResourceFolder.read(contentDir, "content");
        String fingerprint = ContentFingerprint.of(ResourceFolder.read(conformanceDir, "conformance"), entries);
        Optional<Instant> validSince = log.last().filter(last -> last.fingerprint().equals(fingerprint))
                .map(ContentLoadLog.Load::loadedAt);
        List<Item> items = new ArrayList<>();
        Set<String> types = new TreeSet<>();
        int unchanged = 0;
        for (ResourceFolder.Entry entry : entries) {
            Item item = parse(entry);
            types.add(item.type());
            if (validSince.isPresent() && unchangedSince(item, validSince.get())) {
                unchanged++;
            } else {
                items.add(item);
            }
        }
        prepareAll(items);
        int created = 0;
        int updated = 0;
        for (Item item : items) {
            WriteOutcome outcome = store.inTransaction(w -> w.update(item.type(), item.id(), item.resource(), null));
            if (!outcome.changed()) {
                unchanged++;
            } else if (outcome.created()) {
                created++;
            } else {
                updated++;
            }
        }
        log.record(new ContentLoadLog.Load(fingerprint, Instant.now()));
        return new Report(entries.size(), items.size(), created, updated, unchanged, Set.copyOf(types));
    }

    private boolean unchangedSince(Item item, Instant loadedAt) {
        Optional<VersionStamp> current = store.currentStamp(item.type(), item.id());
        return current.isPresent() && !current.get().deleted() && !current.get().lastUpdated().isAfter(loadedAt);
    }

    /** Validates (and completes) every item on every core; the first invalid file, in file order, stops the load. */
    private void prepareAll(List<Item> items) {
        store.prepareEach(items, item -> {
            try {
                store.prepare(item.resource());
            } catch (UnprocessableEntityException invalid) {
                throw new IllegalStateException("Content file " + item.entry().name() + " (" + item.type() + "/"
                        + item.id() + ") is not valid: " + describe(invalid), invalid);
            } catch (RuntimeException e) {
                throw new IllegalStateException("Could not validate content file " + item.entry().name(), e);
            }
        });
    }

    private Item parse(ResourceFolder.Entry entry) {
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
        return new Item(entry, resource, ctx.getResourceType(resource), resource.getIdElement().getIdPart());
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
