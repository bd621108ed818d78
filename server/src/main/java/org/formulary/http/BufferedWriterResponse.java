package org.formulary.http;

import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.util.Arrays;

/**
 * A response whose writer gathers text and hands it to the real writer in large pieces, and does not pass
 * {@code flush()} on: HAPI's JSON encoder flushes after every string it writes (Jackson's
 * {@code FLUSH_AFTER_WRITE_VALUE}), and each flush takes Jetty's writer through its encoder, locks and output
 * state — 71 % of the CPU of a {@code /metadata} request (JFR); with this writer 300 sequential {@code /metadata}
 * requests took 1.5–3.1 s instead of 3.9–5.0 s. The text goes out when it exceeds {@value #PIECE} characters, when
 * the writer is closed, when the buffer is flushed through the response, and at {@link #finish()}; a reset drops
 * what was gathered, as it drops what the container buffered. One request, one thread: not thread-safe.
 */
final class BufferedWriterResponse extends HttpServletResponseWrapper {

    static final int PIECE = 16 * 1024;

    private Gathering gathering;
    private PrintWriter writer;

    BufferedWriterResponse(HttpServletResponse response) {
        super(response);
    }

    @Override
    public PrintWriter getWriter() throws IOException {
        if (writer == null) {
            gathering = new Gathering(super.getWriter());
            writer = new PrintWriter(gathering, false);
        }
        return writer;
    }

    @Override
    public void flushBuffer() throws IOException {
        if (gathering != null) {
            gathering.writeOut();
        }
        super.flushBuffer();
    }

    @Override
    public void resetBuffer() {
        if (gathering != null) {
            gathering.discard();
        }
        super.resetBuffer();
    }

    @Override
    public void reset() {
        if (gathering != null) {
            gathering.discard();
        }
        super.reset();
    }

    /** Hands on what is still gathered; call it when the servlet has returned. */
    void finish() throws IOException {
        if (gathering != null) {
            gathering.writeOut();
        }
    }

    /** Gathers characters; {@code flush()} does nothing, {@code close()} writes out and closes the real writer. */
    private static final class Gathering extends Writer {

        private final Writer out;
        private char[] chars = new char[1024];
        private int length;

        Gathering(Writer out) {
            this.out = out;
        }

        @Override
        public void write(char[] source, int offset, int count) throws IOException {
            if (length + count > PIECE) {
                writeOut();
                if (count > PIECE) {
                    out.write(source, offset, count);
                    return;
                }
            }
            if (length + count > chars.length) {
                chars = Arrays.copyOf(chars, Math.max(length + count, Math.min(PIECE, chars.length * 2)));
            }
            System.arraycopy(source, offset, chars, length, count);
            length += count;
        }

        void writeOut() throws IOException {
            if (length > 0) {
                out.write(chars, 0, length);
                length = 0;
            }
        }

        void discard() {
            length = 0;
        }

        @Override
        public void flush() {
            // On purpose: see the class comment.
        }

        @Override
        public void close() throws IOException {
            writeOut();
            out.close();
        }
    }
}
