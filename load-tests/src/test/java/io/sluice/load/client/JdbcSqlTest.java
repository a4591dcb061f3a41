package io.sluice.load.client;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JdbcSqlTest {

    @Test
    void turnsDollarPlaceholdersIntoQuestionMarksKeepingTheirOrder() {
        JdbcSql s = JdbcSql.parse("SELECT * FROM t WHERE a = $2 AND b = $1 OR c = $2");
        assertThat(s.sql()).isEqualTo("SELECT * FROM t WHERE a = ? AND b = ? OR c = ?");
        assertThat(s.order()).containsExactly(1, 0, 1);
    }

    @Test
    void leavesSqlWithoutPlaceholdersAlone() {
        assertThat(JdbcSql.parse("SELECT 1").sql()).isEqualTo("SELECT 1");
    }
}
