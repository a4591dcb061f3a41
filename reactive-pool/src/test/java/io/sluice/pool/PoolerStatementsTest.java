package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.Lane;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which statements need a session beyond their transaction (refused under transaction pooling), and which do not. */
class PoolerStatementsTest {

    @Test
    void statementsThatLiveInTheirTransactionPass() {
        for (String sql : List.of("SELECT 1", "UPDATE item SET name = 'x' WHERE id = $1", "SET LOCAL statement_timeout = 100",
                "set transaction isolation level serializable", "SET CONSTRAINTS ALL DEFERRED", "SELECT pg_advisory_xact_lock(1)",
                "SELECT pg_try_advisory_xact_lock_shared(1, 2)", "BEGIN READ ONLY; SELECT set_config('search_path', 'a, b', true)",
                "INSERT INTO settings (k) VALUES ('reset')", "NOTIFY jobs", "DECLARE c CURSOR FOR SELECT 1", "SELECT listen_port FROM t",
                "WITH held AS (SELECT 1) SELECT * FROM held", "COMMIT", "ROLLBACK",
                "CREATE TEMP TABLE scratch (id int) ON COMMIT DROP", "create temporary table s2 as select 1 with data on commit drop")) {
            assertThat(PoolerStatements.check(Lane.INTERACTIVE, sql)).as(sql).isEqualTo(sql);
        }
    }

    @Test
    void sessionFeaturesAreRefusedNamingWhatToUseInstead() {
        assertThatThrownBy(() -> PoolerStatements.check(Lane.BACKGROUND, "select pg_advisory_unlock_all()"))
                .isInstanceOf(PoolerUnsupportedException.class).hasMessageStartingWith("[lane background] a session advisory lock")
                .hasMessageContaining("pg_advisory_xact_lock")
                .satisfies(e -> assertThat(((PoolerUnsupportedException) e).feature()).contains("advisory"));
        assertThatThrownBy(() -> PoolerStatements.check(null, "BEGIN; set search_path = x"))
                .isInstanceOf(PoolerUnsupportedException.class).hasMessageContaining("SET LOCAL");
        assertThatThrownBy(() -> PoolerStatements.check(null, "  unlisten *")).hasMessageContaining("LISTEN");
        assertThatThrownBy(() -> PoolerStatements.check(null, "SET SESSION AUTHORIZATION x")).hasMessageContaining("session-level");
        assertThatThrownBy(() -> PoolerStatements.check(null, "deallocate all")).hasMessageContaining("PREPARE");
        assertThatThrownBy(() -> PoolerStatements.check(null, "declare c cursor with hold for select 1")).hasMessageContaining("WITH HOLD");
        assertThatThrownBy(() -> PoolerStatements.check(null, "CREATE LOCAL TEMPORARY TABLE scratch (id int)"))
                .hasMessageContaining("ON COMMIT DROP");
    }

    @Test
    void theLanesSettingsGoAsTransactionLocalSetConfigCallsAndNothingWhenThereIsNothingToSet() {
        assertThat(PoolerSetup.sql(LaneConfig.builder(Lane.INTERACTIVE).build())).isNull();
        assertThat(PoolerSetup.sql(LaneConfig.builder(Lane.INTERACTIVE).applicationName("it's")
                .statementTimeout(java.time.Duration.ofMillis(1500)).sessionSetting("search_path", "a, b").build()))
                .isEqualTo("SELECT set_config('statement_timeout', '1500', true), set_config('search_path', 'a, b', true), "
                        + "set_config('application_name', 'it''s', true)");
    }
}
