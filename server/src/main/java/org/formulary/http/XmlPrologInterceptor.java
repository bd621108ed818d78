package org.formulary.http;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.io.ByteArrayInputStream;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * Checks the prolog and root element of an XML request body, and refuses with 400:
 * <ul>
 *   <li>a document type declaration ({@code <!DOCTYPE ...>}): FHIR XML has none, and a DTD is how entity expansion
 *       attacks (external entities that read files or URLs, "billion laughs") come in;</li>
 *   <li>a root element outside the FHIR namespace {@code http://hl7.org/fhir} (HAPI's parser would read it as
 *       FHIR).</li>
 * </ul>
 * The body is read by a StAX reader that supports neither DTDs nor external entities, so nothing is fetched or
 * expanded, and reading stops at the root element. Bodies that are not XML, and XML that is malformed before its
 * root element (HAPI's parser reports that), pass. Runs after {@link RequestBodyInterceptor}, on the bytes it read.
 * Thread-safe (the StAX factory is configured once and only creates readers).
 */
@Interceptor
public final class XmlPrologInterceptor {

    private static final String FHIR_NAMESPACE = "http://hl7.org/fhir";

    private final XMLInputFactory factory;

    public XmlPrologInterceptor() {
        factory = XMLInputFactory.newFactory();
        factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        factory.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        factory.setProperty(XMLInputFactory.IS_REPLACING_ENTITY_REFERENCES, false);
    }

    @Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
    public void checkProlog(RequestDetails request) {
        byte[] body = request.getRequestContentsIfLoaded();
        if (body == null || !startsLikeXml(body)) {
            return;
        }
        try {
            XMLStreamReader reader = factory.createXMLStreamReader(new ByteArrayInputStream(body));
            try {
                while (reader.hasNext()) {
                    int event = reader.next();
                    if (event == XMLStreamConstants.DTD) {
                        throw new InvalidRequestException("XML with a document type declaration (<!DOCTYPE>) is not"
                                + " accepted: FHIR XML has none, and no DTD or entity is read or expanded");
                    }
                    if (event == XMLStreamConstants.START_ELEMENT) {
                        requireFhirNamespace(reader);
                        return;
                    }
                }
            } finally {
                reader.close();
            }
        } catch (XMLStreamException e) {
            // malformed before the root element: HAPI's parser answers 400 with its own message
        }
    }

    private static void requireFhirNamespace(XMLStreamReader root) {
        String namespace = root.getNamespaceURI();
        if (!FHIR_NAMESPACE.equals(namespace)) {
            throw new InvalidRequestException("The root element <" + root.getLocalName() + "> of the XML body is in "
                    + (namespace == null || namespace.isEmpty() ? "no namespace" : "namespace '" + namespace + "'")
                    + ": FHIR XML is in the namespace " + FHIR_NAMESPACE);
        }
    }

    /** Whether the first character that is not white space (or a byte order mark) is {@code <}. */
    private static boolean startsLikeXml(byte[] body) {
        int i = body.length >= 3 && (body[0] & 0xFF) == 0xEF && (body[1] & 0xFF) == 0xBB && (body[2] & 0xFF) == 0xBF
                ? 3 : 0;
        while (i < body.length && Character.isWhitespace(body[i])) {
            i++;
        }
        return i < body.length && body[i] == '<';
    }
}
