package org.formulary.http;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.util.Locale;

/**
 * Refuses a JSON request body that is not one well-formed JSON value with 400, saying where: HAPI's parser accepts
 * single quotes, comments and more, which RFC 8259 (and so FHIR JSON) does not. Jackson's strict defaults apply,
 * with its limits (nesting depth 1000, number length 1000), so a deeply nested document is refused quickly. Runs
 * after {@link RequestBodyInterceptor}, on the bytes it read; bodies whose Content-Type is not JSON pass. Thread-safe
 * (the factory only creates parsers).
 */
@Interceptor
public final class JsonSyntaxInterceptor {

    private final JsonFactory factory = new JsonFactory();

    @Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
    public void requireWellFormedJson(RequestDetails request, HttpServletRequest servletRequest) {
        byte[] body = request.getRequestContentsIfLoaded();
        String contentType = servletRequest.getContentType();
        if (body == null || body.length == 0 || contentType == null
                || !contentType.toLowerCase(Locale.ROOT).contains("json")) {
            return;
        }
        try (JsonParser parser = factory.createParser(body)) {
            if (parser.nextToken() == null) {
                return;
            }
            parser.skipChildren();
            if (parser.nextToken() != null) {
                throw notWellFormed("more than one JSON value", parser.currentTokenLocation());
            }
        } catch (JsonProcessingException e) {
            throw notWellFormed(e.getOriginalMessage(), e.getLocation());
        } catch (IOException e) {
            throw new InvalidRequestException("The request body could not be read as JSON");
        }
    }

    private static InvalidRequestException notWellFormed(String why, JsonLocation where) {
        String location = where == null ? "" : " (line " + where.getLineNr() + ", column " + where.getColumnNr() + ")";
        return new InvalidRequestException("The request body is not well-formed JSON: " + why + location);
    }
}
