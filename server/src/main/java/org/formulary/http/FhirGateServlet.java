package org.formulary.http;

import ca.uhn.fhir.context.FhirContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * Stands at the FHIR base from the moment HTTP starts. Until the FHIR servlet is {@linkplain #open opened}
 * (content loaded, validator warm) every request gets 503 with {@code Retry-After} and an OperationOutcome;
 * afterwards every request goes to the FHIR servlet, with a writer that sends text in large pieces
 * ({@link BufferedWriterResponse}). Thread-safe: opening publishes the servlet to all request
 * threads.
 */
final class FhirGateServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    /** Seconds a client is asked to wait before it tries again during startup. */
    static final int RETRY_AFTER_SECONDS = 5;

    private final transient FhirContext ctx;
    private transient volatile HttpServlet fhir;

    FhirGateServlet(FhirContext ctx) {
        this.ctx = ctx;
    }

    /** Initialises {@code servlet} with this servlet's configuration and hands every later request to it. */
    void open(HttpServlet servlet) throws ServletException {
        servlet.init(getServletConfig());
        fhir = servlet;
    }

    @Override
    public void service(ServletRequest request, ServletResponse response) throws ServletException, IOException {
        HttpServlet servlet = fhir;
        if (servlet != null) {
            BufferedWriterResponse buffered = new BufferedWriterResponse((HttpServletResponse) response);
            servlet.service(request, buffered);
            buffered.finish();
            return;
        }
        HttpServletResponse http = (HttpServletResponse) response;
        http.setHeader("Retry-After", Integer.toString(RETRY_AFTER_SECONDS));
        HttpErrors.writeOutcome(http, ctx, 503, "The server is starting (loading the formulary content and warming"
                + " the validator); try again in " + RETRY_AFTER_SECONDS + " seconds");
    }

    @Override
    public void destroy() {
        HttpServlet servlet = fhir;
        if (servlet != null) {
            servlet.destroy();
        }
    }
}
