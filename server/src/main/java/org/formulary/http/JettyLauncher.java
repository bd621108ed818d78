package org.formulary.http;

import ca.uhn.fhir.context.FhirContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Runs the FHIR servlet on Jetty 12 at {@code /fhir}. Every other path, and every error Jetty answers itself
 * (a malformed URI, say), gets an OperationOutcome in JSON rather than an HTML page.
 */
public final class JettyLauncher {

    private final Server server;
    private final ServerConnector connector;

    /** Binds (but does not start) a server on {@code port} (0 for a free one) serving {@code fhirServlet}. */
    public JettyLauncher(FhirContext ctx, int port, HttpServlet fhirServlet) {
        server = new Server();
        HttpConfiguration httpConfig = new HttpConfiguration();
        httpConfig.setSendServerVersion(false);
        connector = new ServerConnector(server, new HttpConnectionFactory(httpConfig));
        connector.setPort(port);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        ServletHolder fhir = new ServletHolder("fhir", fhirServlet);
        fhir.setInitOrder(0);
        context.addServlet(fhir, "/fhir/*");
        context.addServlet(new ServletHolder("not-found", new NotFoundServlet(ctx)), "/");
        context.setErrorHandler(new JsonErrorHandler(ctx));
        server.setErrorHandler(new JsonErrorHandler(ctx));
        server.setHandler(context);
        server.setStopTimeout(5_000);
    }

    /** Starts serving; returns the bound port. */
    public int start() throws Exception {
        server.start();
        return connector.getLocalPort();
    }

    /** Stops serving, letting in-flight requests finish within the stop timeout. */
    public void stop() throws Exception {
        server.stop();
    }

    /** Answers any path outside the FHIR base with 404 and an OperationOutcome. */
    private static final class NotFoundServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;
        private final transient FhirContext ctx;

        NotFoundServlet(FhirContext ctx) {
            this.ctx = ctx;
        }

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
            response.setStatus(404);
            response.setContentType("application/fhir+json;charset=utf-8");
            response.getWriter().write(HttpErrors.operationOutcomeJson(ctx, 404, "No FHIR endpoint at "
                    + request.getRequestURI() + "; the FHIR base is /fhir"));
        }
    }

    /** Jetty's own error responses as OperationOutcome JSON. */
    private static final class JsonErrorHandler extends ErrorHandler {
        private final FhirContext ctx;

        JsonErrorHandler(FhirContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            int status = response.getStatus() < 400 ? 500 : response.getStatus();
            Object message = request.getAttribute(ERROR_MESSAGE);
            Object cause = request.getAttribute(ERROR_EXCEPTION);
            String text = (message == null ? "HTTP " + status : message.toString())
                    + (cause instanceof Throwable t && t.getMessage() != null ? ": " + t.getMessage() : "")
                    + " (request URI: " + request.getHttpURI() + ")";
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/fhir+json;charset=utf-8");
            byte[] body = HttpErrors.operationOutcomeJson(ctx, status, text).getBytes(StandardCharsets.UTF_8);
            response.write(true, ByteBuffer.wrap(body), callback);
            return true;
        }
    }
}
