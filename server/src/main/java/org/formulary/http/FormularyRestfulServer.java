package org.formulary.http;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.interceptor.CorsInterceptor;
import java.util.List;
import org.springframework.web.cors.CorsConfiguration;

/**
 * HAPI's RestfulServer with the formulary's providers, interceptors and generated CapabilityStatement. Everything
 * is registered before the servlet starts; HAPI then serves requests concurrently.
 */
public final class FormularyRestfulServer extends RestfulServer {

    private static final long serialVersionUID = 1L;

    public FormularyRestfulServer(FhirContext ctx, List<IResourceProvider> resourceProviders, List<Object> plainProviders) {
        super(ctx);
        setDefaultResponseEncoding(EncodingEnum.JSON);
        setDefaultPrettyPrint(false);
        setResourceProviders(resourceProviders);
        setPlainProviders(plainProviders);
        registerInterceptor(new MediaTypeInterceptor());
        registerInterceptor(new ErrorOutcomeInterceptor());
        registerInterceptor(new SearchTotalInterceptor());
        registerInterceptor(new ConditionalReadInterceptor());
        registerInterceptor(new CorsInterceptor(corsConfiguration()));
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
