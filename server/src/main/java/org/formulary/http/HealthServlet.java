package org.formulary.http;

import ca.uhn.fhir.context.FhirContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Locale;

/**
 * The health endpoints outside the FHIR base, for process supervisors and load balancers: {@code /health/live}
 * answers 200 while the HTTP server runs; {@code /health/ready} answers 200 once the content is loaded and the
 * validator is warm, and 503 before that and from the start of a shutdown. Bodies are small JSON objects such as
 * {@code {"status":"UP"}}. Stateless apart from the shared {@link Readiness}; thread-safe.
 */
final class HealthServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    private final transient FhirContext ctx;
    private final transient Readiness readiness;

    HealthServlet(FhirContext ctx, Readiness readiness) {
        this.ctx = ctx;
        this.readiness = readiness;
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setHeader("Cache-Control", "no-store");
        String path = request.getPathInfo() == null ? "" : request.getPathInfo();
        if (path.equals("/live")) {
            write(response, 200, "{\"status\":\"UP\"}");
        } else if (path.equals("/ready")) {
            Readiness.State state = readiness.state();
            if (state == Readiness.State.READY) {
                write(response, 200, "{\"status\":\"UP\"}");
            } else {
                write(response, 503, "{\"status\":\"DOWN\",\"phase\":\"" + state.name().toLowerCase(Locale.ROOT)
                        + "\"}");
            }
        } else {
            HttpErrors.writeOutcome(response, ctx, 404, "No health endpoint at " + request.getRequestURI()
                    + "; there are /health/live and /health/ready");
        }
    }

    private static void write(HttpServletResponse response, int status, String json) throws IOException {
        response.setStatus(status);
        response.setContentType("application/json;charset=utf-8");
        response.getWriter().write(json);
    }
}
