package org.formulary.export;

import ca.uhn.fhir.context.FhirContext;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.formulary.store.ResourceStore;
import org.formulary.store.StoredResource;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;

/**
 * Runs an instance-level export ({@code [Type]/[id]/$export}, e.g. a formulary {@code InsurancePlan}): the resource,
 * the resources that refer to it directly (a formulary's FormularyItems and the plans that cover it, which point at
 * the formulary and not the other way round), and every resource reachable from these through references,
 * transitively, each as it stood at the transaction time, walked breadth-first. Only the focus's own referrers are
 * looked for, not the referrers of what is reached, so the export does not grow into the whole server. {@code _type} filters what is written, not what is followed; {@code _since} writes
 * only resources changed after it (and deletions since then as {@code deleted} Bundles). A reference whose target
 * does not exist (or was deleted) is reported as a warning in {@code error[]}. Only the set of visited ids is kept
 * in memory; each resource is written as soon as it is read. A resumed run starts over. Thread-safe (state is per
 * run).
 */
final class ReferenceExport {

    static final String WARNINGS = "errors-references.ndjson";

    private record Pending(ResourceId target, ResourceId from) {}

    private final ResourceStore store;
    private final FhirContext ctx;
    private final ExportFolder folder;
    private final ExportJobRepository jobs;
    private final ExportLines lines;
    private final ReferenceTargets references;
    private final Set<String> servedTypes;

    /** @param servedTypes the types searched for resources that refer to the focus */
    ReferenceExport(ResourceStore store, FhirContext ctx, ExportFolder folder, ExportJobRepository jobs,
            ExportLines lines, Set<String> servedTypes) {
        this.store = store;
        this.servedTypes = Set.copyOf(servedTypes);
        this.ctx = ctx;
        this.folder = folder;
        this.jobs = jobs;
        this.lines = lines;
        this.references = new ReferenceTargets(ctx);
    }

    void run(ExportJob job, JobControl control) throws IOException {
        ExportRequest request = job.request();
        ResourceId focus = request.focus().orElseThrow();
        // A resumed run starts over; files already listed (the request's notes) stay.
        folder.deleteExcept(job.id(), jobs.files(job.id()).stream().map(ExportFile::name).collect(Collectors.toSet()));
        Set<String> wanted = Set.copyOf(request.types());
        Set<ResourceId> seen = new HashSet<>(List.of(focus));
        Deque<Pending> queue = new ArrayDeque<>(List.of(new Pending(focus, null)));
        addReferrers(focus, job, control, seen, queue);
        long visited = 0;
        long written = 0;
        try (FileSet files = new FileSet(folder, job.id())) {
            while (!queue.isEmpty()) {
                control.checkpoint();
                Pending next = queue.poll();
                ResourceId target = next.target();
                Optional<StoredResource> stored = store.readAsOf(target.type(), target.id(), job.transactionTime());
                visited++;
                if (stored.isEmpty() || stored.get().deleted()) {
                    if (stored.isPresent()) {
                        writeDeletion(files, request, wanted, stored.get());
                    }
                    String message = missing(next, stored.isPresent());
                    files.write(WARNINGS, ExportFile.Kind.ERROR, "OperationOutcome",
                            lines.outcome(IssueSeverity.WARNING, IssueType.NOTFOUND, message));
                    continue;
                }
                StoredResource resource = stored.get();
                IBaseResource parsed = ctx.newJsonParser().parseResource(resource.json());
                for (ResourceId reference : references.of(parsed, request.baseUrl())) {
                    if (seen.add(reference)) {
                        queue.add(new Pending(reference, target));
                    }
                }
                if (wanted.contains(target.type()) && changedSince(resource, request.since())) {
                    files.write(TypeExport.outputName(target.type()), ExportFile.Kind.OUTPUT, target.type(),
                            resource.json());
                    written++;
                }
                if (visited % 100 == 0) {
                    control.progress("following references from " + focus + ": " + visited + " visited, " + written
                            + " written");
                }
            }
            if (!jobs.addFiles(job.id(), files.finish())) {
                throw new JobControl.Stopped(true);
            }
        }
    }

    /**
     * Queues every resource that, at the transaction time, refers to {@code focus}. The stored JSON is searched for
     * {@code Type/id} before it is parsed, so resources that cannot refer to it are never parsed.
     */
    private void addReferrers(ResourceId focus, ExportJob job, JobControl control, Set<ResourceId> seen,
            Deque<Pending> queue) {
        String needle = focus.type() + "/" + focus.id();
        String baseUrl = job.request().baseUrl();
        for (String type : servedTypes) {
            control.progress("looking for resources that refer to " + focus + " in " + type);
            store.forEachAsOf(type, job.transactionTime(), Optional.empty(), resource -> {
                ResourceId id = new ResourceId(resource.type(), resource.id());
                if (resource.deleted() || seen.contains(id) || !resource.json().contains(needle)) {
                    return;
                }
                IBaseResource parsed = ctx.newJsonParser().parseResource(resource.json());
                if (references.of(parsed, baseUrl).contains(focus)) {
                    seen.add(id);
                    queue.add(new Pending(id, null));
                }
            });
        }
    }

    private void writeDeletion(FileSet files, ExportRequest request, Set<String> wanted, StoredResource deletion)
            throws IOException {
        if (request.since().isPresent() && wanted.contains(deletion.type())
                && changedSince(deletion, request.since())) {
            files.write(TypeExport.deletedName(deletion.type()), ExportFile.Kind.DELETED, "Bundle",
                    lines.deletion(deletion));
        }
    }

    private static boolean changedSince(StoredResource resource, Optional<Instant> since) {
        return since.isEmpty() || resource.lastUpdated().isAfter(since.get());
    }

    private static String missing(Pending pending, boolean deleted) {
        String state = deleted ? "was deleted" : "does not exist on this server";
        return pending.from() == null
                ? pending.target() + " " + state
                : pending.from() + " refers to " + pending.target() + ", which " + state + "; it is not in the export";
    }
}
