package org.formulary.http;

import ca.uhn.fhir.context.FhirContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Optional;

/**
 * {@code [base]/.well-known/smart-configuration}: the SMART configuration document (public, JSON, readable from
 * any origin), or, with authorization off, 404 with an OperationOutcome saying so. Immutable, thread-safe.
 */
final class SmartConfigurationServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private final transient FhirContext ctx;
    /** Null until {@link #publish}: the server is still starting. */
    private volatile Optional<String> document;

    SmartConfigurationServlet(FhirContext ctx) {
        this.ctx = ctx;
    }

    /** Answers with {@code document} from now on (empty: authorization is off). */
    void publish(Optional<String> document) {
        this.document = document;
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setHeader("Access-Control-Allow-Origin", "*");
        Optional<String> document = this.document;
        if (document == null) {
            response.setHeader("Retry-After", Integer.toString(FhirGateServlet.RETRY_AFTER_SECONDS));
            HttpErrors.writeOutcome(response, ctx, 503, "The server is starting: its authorization is not configured"
                    + " yet");
            return;
        }
        if (document.isEmpty()) {
            HttpErrors.writeOutcome(response, ctx, 404, "Authorization is off (FORMULARY_AUTH=off): this server asks"
                    + " for no token, so it has no SMART configuration");
            return;
        }
        response.setStatus(200);
        response.setContentType("application/json;charset=utf-8");
        response.getWriter().write(document.get());
    }

    @Override
    protected void doOptions(HttpServletRequest request, HttpServletResponse response) {
        response.setStatus(204);
        response.setHeader("Access-Control-Allow-Origin", "*");
        response.setHeader("Access-Control-Allow-Methods", "GET, OPTIONS");
        response.setHeader("Access-Control-Allow-Headers", "Accept, Authorization");
        response.setHeader("Allow", "GET, HEAD, OPTIONS");
    }
}
