package io.sluice.examples.web;

import io.sluice.AdmissionTimeoutException;
import io.sluice.CircuitOpenException;
import io.sluice.ConnectionUnavailableException;
import io.sluice.DatabaseException;
import io.sluice.DeadlineExceededException;
import io.sluice.Lane;
import io.sluice.LaneClosedException;
import io.sluice.LaneDrainingException;
import io.sluice.LaneOverloadedException;
import io.sluice.QueryTimeoutException;
import io.sluice.SluiceException;
import io.sluice.TransactionConflictException;
import io.sluice.TransientConnectionException;
import io.sluice.UnknownLaneException;
import io.sluice.examples.planner.UserRepository;
import io.sluice.examples.recipes.DuplicateRecipeException;
import io.sluice.examples.recipes.IdempotencyKeyReusedException;
import io.sluice.examples.recipes.InvalidInputException;
import io.sluice.examples.recipes.NotFoundException;
import io.sluice.examples.recipes.RecipeNotFoundException;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.TypeMismatchException;
import org.springframework.core.codec.DecodingException;
import org.springframework.http.HttpStatus;
import org.springframework.web.server.ServerWebInputException;

/**
 * How a failure is answered: status, a message for the client, the lane, and {@code Retry-After}.
 * A pure function of the exception (plus how long a lane's breaker stays open), so the mapping is
 * testable without a server.
 *
 * <table>
 *   <caption>Sluice's errors as HTTP</caption>
 *   <tr><td>{@link LaneOverloadedException}</td><td>503 + Retry-After: the lane shed the request at once</td></tr>
 *   <tr><td>{@link AdmissionTimeoutException}, {@link ConnectionUnavailableException}</td><td>503 + Retry-After</td></tr>
 *   <tr><td>{@link CircuitOpenException}</td><td>503 + Retry-After: the breaker's wait</td></tr>
 *   <tr><td>{@link TransientConnectionException}, lock timeout (55P03)</td><td>503 + Retry-After</td></tr>
 *   <tr><td>{@link LaneClosedException}</td><td>503 (shutting down)</td></tr>
 *   <tr><td>{@link DeadlineExceededException}, {@link QueryTimeoutException}</td><td>504</td></tr>
 *   <tr><td>{@link TransactionConflictException} (after Sluice's retries)</td><td>409</td></tr>
 *   <tr><td>any other {@link SluiceException}</td><td>500, logged; the client sees no SQL</td></tr>
 * </table>
 * Every detail is a fixed sentence: no host, database, role or SQL from Sluice's messages reaches a client.
 * <table>
 *   <caption>and the service's own</caption>
 *   <tr><td>{@link UnknownLaneException}</td><td>404</td></tr>
 * </table>
 */
public record ApiError(HttpStatus status, String detail, @Nullable Lane lane, @Nullable Duration retryAfter,
                       List<String> problems) {

    /** SQLSTATE lock_not_available: a lock_timeout passed. */
    static final String LOCK_NOT_AVAILABLE = "55P03";

    /**
     * @param retryAfter     the Retry-After for an overloaded or saturated lane (and an open breaker
     *                       whose wait is unknown)
     * @return {@code null} for failures this service does not map (Spring's own 404/405/415, ...)
     */
    public static @Nullable ApiError of(Throwable error, Duration retryAfter) {
        if (error instanceof InvalidInputException e) {
            return new ApiError(HttpStatus.BAD_REQUEST, e.getMessage(), null, null, e.problems());
        }
        if (error instanceof ServerWebInputException e) {
            // unreadable JSON, a path variable or parameter of the wrong type, no body
            return new ApiError(HttpStatus.BAD_REQUEST, inputProblem(e), null, null, List.of());
        }
        if (error instanceof RecipeNotFoundException e) {
            return new ApiError(HttpStatus.NOT_FOUND, e.getMessage(), null, null, List.of());
        }
        if (error instanceof IdempotencyKeyReusedException e) {
            return new ApiError(HttpStatus.CONFLICT, e.getMessage(), null, null, List.of());
        }
        if (error instanceof UserRepository.EmailTakenException e) {
            return new ApiError(HttpStatus.CONFLICT, e.getMessage(), null, null, List.of());
        }
        if (error instanceof NotFoundException e) {
            return new ApiError(HttpStatus.NOT_FOUND, e.getMessage(), null, null, List.of());
        }
        if (error instanceof DuplicateRecipeException e) {
            return new ApiError(HttpStatus.CONFLICT, e.getMessage(), null, null, List.of());
        }
        if (!(error instanceof SluiceException e)) {
            return null;
        }
        Lane lane = e.lane();
        // Fixed sentences only: Sluice's own messages name the server's address, database and role (right for a
        // log line, wrong for a client), so none of them is copied into a response. The log has the full error.
        if (e instanceof LaneDrainingException) {
            return new ApiError(HttpStatus.SERVICE_UNAVAILABLE, "lane '" + lane + "' is drained for maintenance; try again later",
                    lane, retryAfter, List.of());
        }
        if (e instanceof LaneOverloadedException) {
            return new ApiError(HttpStatus.SERVICE_UNAVAILABLE, "lane '" + lane + "' is overloaded; try again shortly",
                    lane, retryAfter, List.of());
        }
        if (e instanceof CircuitOpenException open) {
            // the breaker's own wait: a client that comes back after it finds trial calls let through
            return new ApiError(HttpStatus.SERVICE_UNAVAILABLE, "the database is unavailable; lane '" + lane
                    + "' stopped calling it after repeated failures; try again after Retry-After", lane,
                    open.retryAfter() == null ? retryAfter : open.retryAfter(), List.of());
        }
        if (e instanceof ConnectionUnavailableException) {   // AdmissionTimeoutException too
            return new ApiError(HttpStatus.SERVICE_UNAVAILABLE, "lane '" + lane + "' has no database connection available; try again shortly",
                    lane, retryAfter, List.of());
        }
        if (e instanceof TransientConnectionException) {
            return new ApiError(HttpStatus.SERVICE_UNAVAILABLE, "the connection to the database failed; try again", lane, retryAfter, List.of());
        }
        if (e instanceof LaneClosedException) {
            return new ApiError(HttpStatus.SERVICE_UNAVAILABLE, "the service is shutting down", lane, null, List.of());
        }
        if (e instanceof UnknownLaneException) {
            return new ApiError(HttpStatus.NOT_FOUND, "no such lane", null, null, List.of());
        }
        if (e instanceof DeadlineExceededException || e instanceof QueryTimeoutException) {
            return new ApiError(HttpStatus.GATEWAY_TIMEOUT, "the request's deadline passed before the database answered", lane, null, List.of());
        }
        if (e instanceof TransactionConflictException) {
            return new ApiError(HttpStatus.CONFLICT, "the change conflicted with a concurrent one; try again", lane, null, List.of());
        }
        if (e instanceof DatabaseException && LOCK_NOT_AVAILABLE.equals(e.sqlState())) {
            return new ApiError(HttpStatus.SERVICE_UNAVAILABLE, "the row is busy (another change holds its lock); try again",
                    lane, retryAfter, List.of());
        }
        // bad SQL, a constraint the service did not expect, misuse of the API: the service's bug, not the client's
        return new ApiError(HttpStatus.INTERNAL_SERVER_ERROR, "internal error (" + e.kind() + ")", lane, null, List.of());
    }

    private static String inputProblem(ServerWebInputException e) {
        Throwable cause = e.getCause();
        if (cause instanceof DecodingException d) {
            String message = d.getMostSpecificCause().getMessage();
            // Jackson's message: its first line says what was wrong and where
            return "the request body is not valid JSON for this endpoint: "
                    + (message == null ? d.getMessage() : message.lines().findFirst().orElse(message));
        }
        if (cause instanceof TypeMismatchException t && e.getMethodParameter() != null) {
            // a path variable or request parameter that does not convert, e.g. /recipes/abc
            return e.getMethodParameter().getParameterName() + " must be "
                    + (t.getRequiredType() == null ? "of another type" : "a " + t.getRequiredType().getSimpleName())
                    + ", was '" + t.getValue() + "'";
        }
        return e.getReason() != null ? e.getReason() : e.getMessage();
    }
}
