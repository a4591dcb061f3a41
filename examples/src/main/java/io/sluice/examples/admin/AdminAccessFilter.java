package io.sluice.examples.admin;

import io.sluice.examples.MealPlannerProperties;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.Principal;
import java.util.Base64;
import org.jspecify.annotations.Nullable;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Nothing administrative answers without the admin credential ({@code meal-planner.admin-token}): the
 * maintenance routes and the lanes page ({@code /admin/**}), the lanes' internals ({@code /lanes},
 * {@code /lanes/health}) and every actuator endpoint but health ({@code /actuator/metrics},
 * {@code /actuator/prometheus}, ...). {@code /actuator/health} (and its liveness and readiness groups) stays
 * public for load balancers and orchestrators, with statuses and no details.
 *
 * <p>The credential is sent as {@code Authorization: Bearer <token>}, or as HTTP Basic with the token as the
 * password (any user name), which a browser asks for once and then sends with the page's event stream too. It is
 * compared in constant time. Without a configured token every administrative path answers 401: an operator
 * turns them on by setting one. A real deployment would put Spring Security here; this filter shows the rule.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 1)
public class AdminAccessFilter implements WebFilter {

    /** The principal of a caller that presented the admin credential ({@code exchange.getPrincipal()}). */
    public static final Principal ADMIN = () -> "admin";

    private final byte @Nullable [] token;

    public AdminAccessFilter(MealPlannerProperties props) {
        this.token = props.adminToken() == null ? null : props.adminToken().getBytes(StandardCharsets.UTF_8);
    }

    static boolean administrative(String path) {
        return path.equals("/admin") || path.startsWith("/admin/") || path.equals("/lanes") || path.startsWith("/lanes/")
                || (path.startsWith("/actuator") && !path.equals("/actuator/health") && !path.startsWith("/actuator/health/"));
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        String path = exchange.getRequest().getPath().pathWithinApplication().value();
        boolean admin = presented(exchange.getRequest().getHeaders().getFirst(HttpHeaders.AUTHORIZATION));
        if (admin) {
            return chain.filter(exchange.mutate().principal(Mono.just(ADMIN)).build());
        }
        if (!administrative(path)) {
            return chain.filter(exchange);
        }
        return unauthorized(exchange, token == null
                ? "administrative endpoints are off: set meal-planner.admin-token to turn them on"
                : "this endpoint needs the admin credential (Authorization: Bearer <token>, or Basic with the token as password)");
    }

    private boolean presented(@Nullable String authorization) {
        if (token == null || authorization == null) {
            return false;
        }
        String given = null;
        if (authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            given = authorization.substring(7).strip();
        } else if (authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            try {
                String pair = new String(Base64.getDecoder().decode(authorization.substring(6).strip()), StandardCharsets.UTF_8);
                given = pair.substring(pair.indexOf(':') + 1);
            } catch (IllegalArgumentException e) {
                return false;
            }
        }
        return given != null && MessageDigest.isEqual(token, given.getBytes(StandardCharsets.UTF_8));
    }

    private static Mono<Void> unauthorized(ServerWebExchange exchange, String detail) {
        var response = exchange.getResponse();
        response.setStatusCode(HttpStatus.UNAUTHORIZED);
        response.getHeaders().setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        response.getHeaders().set(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"meal-planner admin\", charset=\"UTF-8\"");
        String body = "{\"type\":\"about:blank\",\"title\":\"Unauthorized\",\"status\":401,\"detail\":\"" + detail + "\"}";
        DataBuffer buffer = response.bufferFactory().wrap(body.getBytes(StandardCharsets.UTF_8));
        return response.writeWith(Mono.just(buffer));
    }
}
