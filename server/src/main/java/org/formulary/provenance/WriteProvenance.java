package org.formulary.provenance;

import java.util.Date;
import java.util.Set;
import org.formulary.auth.Caller;
import org.formulary.store.WriteEvent;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;

/**
 * The {@code Provenance} the write path stores with every accepted write, in the same transaction: {@code target}
 * the version the write stored ({@code Type/id/_history/n}), {@code recorded} that version's lastUpdated,
 * {@code activity} CREATE, UPDATE or DELETE from HL7's v3 DataOperation code system, and one {@code agent} whose
 * {@code who} names the caller (display: the client id; identifier: the subject). Provenance is written by the
 * server only and gets no Provenance of its own. Stateless, thread-safe.
 */
public final class WriteProvenance {

    /** The resource type, which clients may read and search but not write. */
    public static final String TYPE = "Provenance";

    /** The element that names the written version ({@code Type/id/_history/n}); its version must be kept. */
    public static final String TARGET_PATH = "Provenance.target";

    /** The code system of {@code Provenance.activity}. */
    public static final String DATA_OPERATION = "http://terminology.hl7.org/CodeSystem/v3-DataOperation";

    /** The agent of writes the server makes on its own (Subscription errors). */
    public static final Caller SERVER = system("formulary-server");

    /** The agent of the content the server loads from {@code resources/} at startup. */
    public static final Caller CONTENT_LOADER = system("formulary-server content loader");

    private WriteProvenance() {}

    /** The Provenance of the committed {@code event}, made by {@code caller}. */
    public static Provenance of(WriteEvent event, Caller caller) {
        Provenance provenance = new Provenance();
        provenance.addTarget(new Reference(event.type() + "/" + event.id() + "/_history" + "/"
                + event.version().versionId()));
        provenance.setRecorded(Date.from(event.version().lastUpdated()));
        provenance.getActivity().addCoding(activity(event.kind()));
        Reference who = new Reference().setDisplay(caller.clientId())
                .setIdentifier(new Identifier().setValue(caller.subject()));
        provenance.addAgent().setWho(who);
        return provenance;
    }

    private static Coding activity(WriteEvent.Kind kind) {
        if (kind == WriteEvent.Kind.CREATE) {
            return new Coding(DATA_OPERATION, "CREATE", "create");
        }
        if (kind == WriteEvent.Kind.UPDATE) {
            return new Coding(DATA_OPERATION, "UPDATE", "revise");
        }
        return new Coding(DATA_OPERATION, "DELETE", "delete");
    }

    private static Caller system(String name) {
        return new Caller(name, name, Set.of());
    }
}
