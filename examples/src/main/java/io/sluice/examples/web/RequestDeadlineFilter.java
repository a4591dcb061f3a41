package io.sluice.examples.web;

import io.sluice.Deadline;
import io.sluice.examples.MealPlannerProperties;
import io.sluice.examples.recipes.InvalidInputException;
import java.time.Duration;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Gives every request a {@link Deadline}: the client's {@code X-Request-Timeout} ({@code 500ms},
 * {@code 2s}, ISO-8601 {@code PT0.5S}; at most {@code meal-planner.max-request-timeout}) or
 * {@code meal-planner.request-timeout} (the export: {@code meal-planner.export-timeout}).
 *
 * <p>The deadline travels in the Reactor context of the request's subscription, so every Sluice call
 * the handler makes sees it without being passed anything: work is not started once it has passed, a
 * transaction's {@code statement_timeout} becomes the smaller of the lane's and the time left, work
 * still running when it passes is cancelled (the statement too, on the server), and retries stop.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
public class RequestDeadlineFilter implements WebFilter {

    public static final String HEADER = "X-Request-Timeout";

    private final MealPlannerProperties props;

    public RequestDeadlineFilter(MealPlannerProperties props) {
        this.props = props;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        Duration timeout;
        try {
            timeout = timeout(exchange);
        } catch (InvalidInputException e) {
            return Mono.error(e);
        }
        return chain.filter(exchange).contextWrite(Deadline.in(timeout).context());
    }

    private Duration timeout(ServerWebExchange exchange) {
        String header = exchange.getRequest().getHeaders().getFirst(HEADER);
        if (header == null || header.isBlank()) {
            return "/export".equals(exchange.getRequest().getPath().pathWithinApplication().value())
                    ? props.exportTimeout() : props.requestTimeout();
        }
        Duration asked;
        try {
            asked = DurationStyle.detectAndParse(header.strip());
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(HEADER + " must be a duration such as 500ms or 2s, was '" + header + "'");
        }
        if (asked.isNegative() || asked.isZero()) {
            throw new InvalidInputException(HEADER + " must be positive, was '" + header + "'");
        }
        return asked.compareTo(props.maxRequestTimeout()) > 0 ? props.maxRequestTimeout() : asked;
    }
}
