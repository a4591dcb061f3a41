package io.sluice.pool;

/**
 * A lane's admission at one moment.
 *
 * @param inFlight     units of work admitted and not yet finished
 * @param queued       units waiting to be admitted
 * @param limit        the admission limit now (adaptive limits move; yielding lowers it; loans raise it)
 * @param maxQueue     the most units that may wait
 * @param breakerState the circuit breaker's state ({@code CLOSED}, {@code OPEN}, {@code HALF_OPEN}, ...), or {@code NONE}
 */
public record AdmissionSnapshot(int inFlight, int queued, int limit, int maxQueue, String breakerState) {
}
