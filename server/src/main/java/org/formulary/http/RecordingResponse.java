package org.formulary.http;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * A response that keeps a copy of the body written through it (up to a limit), for {@link ResponseCache}: the
 * servlets below write as usual, and once the request has completed, {@link #callback} hands the status, headers
 * and body to the cache. Used by the one thread at a time that writes the response.
 */
final class RecordingResponse extends Response.Wrapper {

    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private final int maxBytes;
    private boolean tooLarge;

    RecordingResponse(Request request, Response response, int maxBytes) {
        super(request, response);
        this.maxBytes = maxBytes;
    }

    @Override
    public void write(boolean last, ByteBuffer content, Callback callback) {
        if (content != null && !tooLarge) {
            if (body.size() + content.remaining() > maxBytes) {
                tooLarge = true;
                body.reset();
            } else {
                ByteBuffer copy = content.slice();
                byte[] bytes = new byte[copy.remaining()];
                copy.get(bytes);
                body.writeBytes(bytes);
            }
        }
        super.write(last, content, callback);
    }

    /**
     * {@code completion}, the callback of the request, that first (once the request completed successfully) keeps
     * the answer in {@code cache} as the answer to {@code key}, made as of {@code writeCount}.
     */
    Callback callback(Callback completion, ResponseCache cache, ResponseCache.Key key, long writeCount) {
        return new Callback.Nested(completion) {
            @Override
            public void succeeded() {
                if (!tooLarge && isCommitted()) {
                    cache.keep(key, writeCount, getStatus(), getHeaders(), body.toByteArray());
                }
                super.succeeded();
            }
        };
    }
}
