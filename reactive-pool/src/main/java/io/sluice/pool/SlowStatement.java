package io.sluice.pool;

import io.sluice.Lane;
import java.time.Duration;

/**
 * A unit of work that held its connection longer than its lane's {@code slowStatementThreshold}: for
 * {@code db.sql(..)} one statement, for a transaction all of it. Names the operation, never the SQL or
 * its bind values. Emitted on {@link Lanes#slowStatements()} when the connection is released.
 *
 * @param lane      the lane whose connection it held (for a borrowed connection: the lender)
 * @param operation the name the caller gave the unit, or {@value SluiceMeters#UNNAMED}
 * @param duration  how long it held the connection
 * @param threshold the lane's threshold it exceeded
 */
public record SlowStatement(Lane lane, String operation, Duration duration, Duration threshold) {
}
