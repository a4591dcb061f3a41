package io.sluice;

/** PostgreSQL transaction isolation levels (READ UNCOMMITTED behaves as READ COMMITTED there, so it is left out). */
public enum Isolation {
    READ_COMMITTED("READ COMMITTED"),
    REPEATABLE_READ("REPEATABLE READ"),
    SERIALIZABLE("SERIALIZABLE");

    private final String sql;

    Isolation(String sql) {
        this.sql = sql;
    }

    /** The SQL spelling, as in {@code BEGIN ISOLATION LEVEL <sql>}. */
    public String sql() {
        return sql;
    }
}
