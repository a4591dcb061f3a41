package io.sluice.load.client;

import io.sluice.Lane;
import java.util.List;

/**
 * One unit of work as a client-neutral description, so that Sluice and every baseline run exactly the same
 * statements. SQL uses PostgreSQL's {@code $n} placeholders; JDBC clients translate them.
 *
 * @param op            the series the work is counted under, e.g. {@code point-read}
 * @param lane          the lane it belongs to; clients with one shared pool ignore it
 * @param transactional whether the statements run in one transaction
 * @param readOnly      whether that transaction is read-only
 */
public record Work(String op, Lane lane, boolean transactional, boolean readOnly, List<Stmt> statements) {

    /** One statement: its result is read whole, every column of every row decoded. */
    public record Stmt(String sql, Shape shape, int columns, Object... params) {
    }

    /** What a statement returns. */
    public enum Shape {
        /** Exactly one row. */
        ONE,
        /** Any number of rows. */
        MANY,
        /** An update count. */
        UPDATE
    }

    /** A single autocommit statement. */
    public static Work single(String op, Lane lane, Stmt stmt) {
        return new Work(op, lane, false, false, List.of(stmt));
    }

    /** A single autocommit read, safe to run again (Sluice retries it through failures). */
    public static Work read(String op, Lane lane, Stmt stmt) {
        return new Work(op, lane, false, true, List.of(stmt));
    }

    /** A read-write transaction. */
    public static Work transaction(String op, Lane lane, Stmt... stmts) {
        return new Work(op, lane, true, false, List.of(stmts));
    }
}
