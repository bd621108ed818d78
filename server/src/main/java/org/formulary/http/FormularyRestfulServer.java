package org.formulary.http;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.HardcodedServerAddressStrategy;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.interceptor.CorsInterceptor;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.formulary.config.Settings;
import org.formulary.store.ResourceStore;
import org.springframework.web.cors.CorsConfiguration;

/**
 * HAPI's RestfulServer with the formulary's providers, interceptors and generated CapabilityStatement. Everything
 * is registered before the servlet starts; HAPI then serves requests concurrently. The request checks run in
 * registration order: the method, then media types, then the body (size, time, encoding), then XML (no DTD, the
 * FHIR namespace; also a body declared JSON that is XML), then well-formed JSON.
 */
public final class FormularyRestfulServer extends RestfulServer {

    private static final long serialVersionUID = 1L;
    private static final String REQUEST_ID_CHARACTERS =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private final String poweredBy;
    private final transient ReadAnswers readAnswers;

    /** Serves at {@code baseUrl}, answering reads from {@code readCache} where it can. */
    public FormularyRestfulServer(FhirContext ctx, ResourceStore store, ReadCache readCache, String baseUrl,
            List<IResourceProvider> resourceProviders, List<Object> plainProviders, Settings.Limits limits) {
        super(ctx);
        poweredBy = super.createPoweredByHeader();
        readAnswers = new ReadAnswers(store, readCache, poweredBy, baseUrl);
        setServerAddressStrategy(new HardcodedServerAddressStrategy(baseUrl));
        setDefaultResponseEncoding(EncodingEnum.JSON);
        setDefaultPrettyPrint(false);
        setResourceProviders(resourceProviders);
        setPlainProviders(plainProviders);
        registerInterceptor(new MethodNotAllowedInterceptor());
        registerInterceptor(new MediaTypeInterceptor());
        registerInterceptor(new RequestBodyInterceptor(limits.maxBodyBytes(), limits.requestTimeout()));
        registerInterceptor(new XmlPrologInterceptor());
        registerInterceptor(new JsonSyntaxInterceptor());
        registerInterceptor(new JettyErrorStatusInterceptor(limits.maxBodyBytes()));
        registerInterceptor(new ErrorOutcomeInterceptor());
        registerInterceptor(new SearchTotalInterceptor());
        registerInterceptor(new ConditionalReadInterceptor());
        registerInterceptor(new CachedReadInterceptor(this, ctx, store, readAnswers));
        registerInterceptor(new BundleSplicingInterceptor(this, ctx, readCache));
        registerInterceptor(new CorsInterceptor(corsConfiguration()));
    }

    /** How reads are answered from the cache, for {@link CachedReadHandler} too. */
    ReadAnswers readAnswers() {
        return readAnswers;
    }

    /** The same on every response: built once rather than per response, as HAPI does. */
    @Override
    protected String createPoweredByHeader() {
        return poweredBy;
    }

    /**
     * A request id (HAPI logs it and hands it to interceptors) from a fast, non-cryptographic generator: HAPI's
     * default draws from a {@link java.security.SecureRandom}, a measurable share of a cached read's time.
     */
    @Override
    protected String newRequestId(int length) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        char[] id = new char[length];
        for (int i = 0; i < length; i++) {
            id[i] = REQUEST_ID_CHARACTERS.charAt(random.nextInt(REQUEST_ID_CHARACTERS.length()));
        }
        return new String(id);
    }

    private static CorsConfiguration corsConfiguration() {
        CorsConfiguration config = new CorsConfiguration();
        config.addAllowedOriginPattern("*");
        config.setAllowedMethods(List.of("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"));
        config.setAllowedHeaders(List.of("Origin", "Accept", "Content-Type", "Authorization", "If-Match",
                "If-None-Match", "If-Modified-Since", "If-None-Exist", "Prefer", "X-Requested-With"));
        config.setExposedHeaders(List.of("Location", "Content-Location", "ETag", "Last-Modified", "X-Progress",
                "Retry-After", "WWW-Authenticate"));
        config.setAllowCredentials(false);
        return config;
    }
}
