package org.formulary.validation;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.Set;
import org.formulary.content.ResourceFolder;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.SearchParameter;
import org.hl7.fhir.r4.model.StructureDefinition;

/**
 * The conformance resources of the server's FHIR package ({@code conformance/}): profiles, extensions,
 * ValueSets, CodeSystems, SearchParameters and a CapabilityStatement whose {@code rest.resource.profile} names the
 * profile every resource of that type is validated against. Immutable and thread-safe once loaded.
 */
public final class ConformancePackage {

    private final List<IBaseResource> resources;
    private final Map<String, String> typeProfiles;

    private ConformancePackage(List<IBaseResource> resources, Map<String, String> typeProfiles) {
        this.resources = List.copyOf(resources);
        this.typeProfiles = Map.copyOf(typeProfiles);
    }

    /** Loads the package from {@code dir}, or from the copy carried on the classpath. */
    public static ConformancePackage load(FhirContext ctx, Optional<Path> dir) {
        List<IBaseResource> resources = new ArrayList<>();
        for (ResourceFolder.Entry entry : ResourceFolder.read(dir, "conformance")) {
            String file = Path.of(entry.name()).getFileName().toString();
            if (file.equals("package.json") || file.startsWith(".")) {
                continue;
            }
            try {
                resources.add(ctx.newJsonParser().parseResource(entry.text()));
            } catch (DataFormatException e) {
                throw new IllegalStateException("conformance/" + entry.name() + " is not a valid FHIR resource: "
                        + e.getMessage(), e);
            }
        }
        Map<String, String> typeProfiles = new TreeMap<>();
        for (IBaseResource resource : resources) {
            if (resource instanceof CapabilityStatement cs) {
                cs.getRest().forEach(rest -> rest.getResource().stream()
                        .filter(r -> r.hasProfile())
                        .forEach(r -> typeProfiles.put(r.getType(), r.getProfile())));
            }
        }
        return new ConformancePackage(resources, typeProfiles);
    }

    /** Every resource of the package. */
    public List<IBaseResource> resources() {
        return resources;
    }

    /** The package's SearchParameters. */
    public List<SearchParameter> searchParameters() {
        return resources.stream().filter(SearchParameter.class::isInstance).map(SearchParameter.class::cast).toList();
    }

    /** The profile every resource of {@code type} must conform to, if the package names one. */
    public Optional<String> profileFor(String type) {
        return Optional.ofNullable(typeProfiles.get(type));
    }

    /** The URLs of the package's profiles on {@code type}. */
    public List<String> profilesOf(String type) {
        return resourceProfiles().filter(sd -> sd.getType().equals(type)).map(StructureDefinition::getUrl).toList();
    }

    private java.util.stream.Stream<StructureDefinition> resourceProfiles() {
        return resources.stream()
                .filter(StructureDefinition.class::isInstance)
                .map(StructureDefinition.class::cast)
                .filter(sd -> sd.getKind() == StructureDefinition.StructureDefinitionKind.RESOURCE
                        && sd.getDerivation() == StructureDefinition.TypeDerivationRule.CONSTRAINT);
    }

    /** The resource types the package's profiles constrain. */
    public Set<String> profiledTypes() {
        Set<String> types = new TreeSet<>(typeProfiles.keySet());
        resourceProfiles().forEach(sd -> types.add(sd.getType()));
        return types;
    }
}
