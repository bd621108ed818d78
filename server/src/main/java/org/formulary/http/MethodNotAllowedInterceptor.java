package org.formulary.http;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.MethodNotAllowedException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * 405 Method Not Allowed, with an {@code Allow} header, where HAPI answers a wrong HTTP method otherwise:
 * <ul>
 *   <li>History and version URLs ({@code _history}, {@code [type]/[id]/_history/[vid]}) are read with GET only;
 *       HAPI would answer a DELETE, PUT or POST there with the history, or delete (or update) the resource.</li>
 *   <li>HAPI answers a request no method handles with 400 ("does not know how to handle"), whether the URL names
 *       nothing this server serves or only the method is wrong. When another method would be handled at the same
 *       URL (a POST to {@code [type]/[id]}, a PUT to {@code [type]/_search}), it becomes 405 listing those methods;
 *       an unknown operation stays 400.</li>
 * </ul>
 * Stateless, thread-safe.
 */
@Interceptor
public final class MethodNotAllowedInterceptor {

    /** HAPI's message code of "the FHIR endpoint on this server does not know how to handle ...". */
    private static final String UNKNOWN_METHOD = "HAPI-0303";

    private static final String HISTORY = "_history";
    private static final String ALLOW = "Allow";

    private static final List<RequestTypeEnum> METHODS =
            List.of(RequestTypeEnum.GET, RequestTypeEnum.POST, RequestTypeEnum.PUT, RequestTypeEnum.DELETE);

    /** Refuses any method but GET on a history or version URL, before the handler HAPI chose runs. */
    @Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
    public void onlyGetOnHistory(ServletRequestDetails request) {
        String path = request.getRequestPath();
        if (request.getRequestType() != RequestTypeEnum.GET && path != null
                && List.of(path.split("/")).contains(HISTORY)) {
            throw notAllowed(request, List.of(RequestTypeEnum.GET));
        }
    }

    /** Turns HAPI's 400 for an unhandled method into 405 when other methods are handled at the URL. */
    @Hook(Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION)
    public BaseServerResponseException toMethodNotAllowed(ServletRequestDetails request, Throwable exception) {
        if (exception instanceof MethodNotAllowedException notAllowed) {
            return withAllowHeader(request, notAllowed);
        }
        if (!(exception instanceof InvalidRequestException) || exception.getMessage() == null
                || !exception.getMessage().startsWith(UNKNOWN_METHOD)) {
            return null;
        }
        List<RequestTypeEnum> allowed = allowedMethods(request);
        return allowed.isEmpty() ? null : notAllowed(request, allowed);
    }

    /** HAPI's own 405 (a POST to {@code metadata}, say) with the {@code Allow} header HTTP asks for. */
    private static MethodNotAllowedException withAllowHeader(ServletRequestDetails request,
            MethodNotAllowedException notAllowed) {
        if (!notAllowed.hasResponseHeaders() || !notAllowed.getResponseHeaders().containsKey(ALLOW)) {
            notAllowed.addResponseHeader(ALLOW, allowHeader(allowedMethods(request)));
        }
        return notAllowed;
    }

    private static MethodNotAllowedException notAllowed(ServletRequestDetails request, List<RequestTypeEnum> allowed) {
        String allow = allowHeader(allowed);
        MethodNotAllowedException notAllowed = new MethodNotAllowedException(request.getRequestType().name()
                + " is not allowed on " + describe(request) + "; allowed: " + allow,
                allowed.toArray(new RequestTypeEnum[0]));
        notAllowed.addResponseHeader(ALLOW, allow);
        return notAllowed;
    }

    private static String allowHeader(List<RequestTypeEnum> allowed) {
        return allowed.stream().map(Enum::name).collect(Collectors.joining(", "));
    }

    /** The methods, other than the request's, that a handler of this server would take at the request's URL. */
    private static List<RequestTypeEnum> allowedMethods(ServletRequestDetails request) {
        RestfulServer server = request.getServer();
        List<RequestTypeEnum> allowed = new ArrayList<>();
        for (RequestTypeEnum method : METHODS) {
            if (method == request.getRequestType()) {
                continue;
            }
            ServletRequestDetails other = new ServletRequestDetails(request);
            other.setRequestType(method);
            try {
                server.determineResourceMethod(other, request.getRequestPath());
                allowed.add(method);
            } catch (BaseServerResponseException e) {
                // no handler for this method either
            }
        }
        return allowed;
    }

    private static String describe(ServletRequestDetails request) {
        String path = request.getRequestPath();
        return path == null || path.isEmpty() ? "the server base" : "'" + path + "'";
    }
}
