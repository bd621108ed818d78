package org.formulary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.hl7.fhir.r4.model.Medication;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGTERM stops the server gracefully: a request in flight (here a PUT whose body is still being sent) finishes
 * with its 2xx, new connections are refused from the start of the shutdown, and the
 * process exits cleanly (the shutdown hook ran to its end) well within the shutdown timeout.
 */
class GracefulShutdownTest {

    private static final Logger LOG = LoggerFactory.getLogger(GracefulShutdownTest.class);

    private static final int SHUTDOWN_TIMEOUT_MS = 60_000;

    @TempDir
    Path dir;

    @Test
    void sigtermLetsTheInFlightRequestFinishAndRefusesNewConnections() throws Exception {
        String id = "graceful-shutdown";
        Medication medication = TestData.medication("written during shutdown", TestData.Extra.INGREDIENT_DETAILS,
                TestData.Extra.FORM_TEXT);
        medication.setId(id);
        byte[] body = TestData.parser().encodeResourceToString(medication).getBytes(StandardCharsets.UTF_8);
        int half = body.length / 2;

        try (ChildServer server = ChildServer.start(dir, 0,
                Map.of("FORMULARY_SHUTDOWN_TIMEOUT_MS", Integer.toString(SHUTDOWN_TIMEOUT_MS)))) {
            server.awaitReady();
            try (Socket slow = new Socket("localhost", server.port())) {
                slow.setSoTimeout(SHUTDOWN_TIMEOUT_MS);
                OutputStream out = slow.getOutputStream();
                out.write(("PUT /fhir/Medication/" + id + " HTTP/1.1\r\nHost: localhost\r\n"
                        + "Authorization: " + server.authorization() + "\r\n"
                        + "Content-Type: application/fhir+json\r\nAccept: application/fhir+json\r\n"
                        + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body, 0, half);
                out.flush();
                // The server now reads the body in a request thread: the request is in flight.
                Thread.sleep(1000);

                long sigterm = System.nanoTime();
                server.terminate();
                awaitConnectionRefused(server);
                assertTrue(server.process().isAlive(), "the server waits for the in-flight request");

                out.write(body, half, body.length - half);
                out.flush();
                BufferedReader in = new BufferedReader(new InputStreamReader(slow.getInputStream(),
                        StandardCharsets.US_ASCII));
                String statusLine = in.readLine();
                assertEquals("HTTP/1.1 201 Created", statusLine, "the in-flight create finished");

                assertTrue(server.process().waitFor(SHUTDOWN_TIMEOUT_MS, TimeUnit.MILLISECONDS),
                        "the server exits within the shutdown timeout:\n" + server.logTail());
                long stopMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sigterm);
                int exit = server.process().exitValue();
                assertTrue(exit == 0 || exit == 128 + 15, "exit code " + exit + " after SIGTERM");
                assertTrue(server.logText().contains("Formulary server stopped"),
                        "the shutdown ran to its end:\n" + server.logTail());
                LOG.info("SIGTERM to exit {} (exit code {}): {} ms, the in-flight request included", server.pid(),
                        exit, stopMillis);
            }
        }

    }

    private static void awaitConnectionRefused(ChildServer server) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            try (Socket probe = new Socket("localhost", server.port())) {
                Thread.sleep(10);
            } catch (ConnectException refused) {
                return;
            }
        }
        throw new AssertionError("new connections are still accepted 30 s after SIGTERM:\n" + server.logTail());
    }
}
