package io.sluice.examples.web;

import io.sluice.examples.MealPlannerProperties;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.codec.HttpMessageWriter;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.reactive.result.view.ViewResolver;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;

/**
 * Writes {@link ApiError}s as RFC 9457 problem details ({@code application/problem+json}, with the
 * lane as a property). A {@link WebExceptionHandler} rather than a {@code @ControllerAdvice}: it also
 * sees the errors of web filters (a malformed {@code X-Request-Timeout}). Ordered before Spring Boot's
 * own handler, which answers whatever this one leaves (unknown routes, 405, 415, unexpected errors).
 */
@Component
@Order(-2)
public class ApiErrorHandler implements WebExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ApiErrorHandler.class);

    private final List<HttpMessageWriter<?>> writers;
    private final MealPlannerProperties props;
    /** Sheds and timeouts: expected under load, by the thousand a second under overload; a line a second at most. */
    private final ThrottledLog overload = new ThrottledLog(log, java.time.Duration.ofSeconds(1));

    public ApiErrorHandler(ServerCodecConfigurer codecs, MealPlannerProperties props) {
        this.writers = codecs.getWriters();
        this.props = props;
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable error) {
        ApiError e = ApiError.of(error, props.retryAfter());
        if (e == null || exchange.getResponse().isCommitted()) {
            // e.g. a streamed export that failed after its first rows: the status is sent already, the
            // connection is closed mid-stream, which is how a streaming client learns of it
            return Mono.error(error);
        }
        log(exchange, e, error);
        ProblemDetail body = ProblemDetail.forStatusAndDetail(e.status(), e.detail());
        if (e.lane() != null) {
            body.setProperty("lane", e.lane().name());
        }
        if (!e.problems().isEmpty()) {
            body.setProperty("problems", e.problems());
        }
        return ServerResponse.status(e.status())
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .headers(h -> {
                    if (e.retryAfter() != null) {
                        h.set(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, (e.retryAfter().toMillis() + 999) / 1000)));
                    }
                })
                .bodyValue(body)
                .flatMap(response -> response.writeTo(exchange, new ServerResponse.Context() {
                    @Override
                    public List<HttpMessageWriter<?>> messageWriters() {
                        return writers;
                    }

                    @Override
                    public List<ViewResolver> viewResolvers() {
                        return List.of();
                    }
                }));
    }


    private void log(ServerWebExchange exchange, ApiError e, Throwable error) {
        String request = exchange.getRequest().getMethod() + " " + exchange.getRequest().getPath();
        if (e.status().is5xxServerError() && e.status().value() == 500) {
            log.error("{}: {}", request, error.toString(), error);
        } else if (e.status().is5xxServerError()) {
            // overload and timeouts: no stack trace, and at most a line a second with how many there were
            overload.warn(request, e.status().value(), error.getMessage());
        } else {
            log.debug("{}: {} {}", request, e.status().value(), error.getMessage());
        }
    }
}
