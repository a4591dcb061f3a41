package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.r2dbc.spi.Result;
import io.sluice.Database;
import io.sluice.Lane;
import io.sluice.RowMapper;
import io.sluice.testing.TestLanes;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Session state changed through the raw connection never reaches the next borrower. */
class DirtySessionTest {

    private static final Lane LANE = Lane.INTERACTIVE;
    private static TestLanes t;

    @BeforeAll
    static void start() {
        t = new TestLanes("dirty");
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    private static String one(Database db, String sql) {
        return db.sql(LANE, sql).map(RowMapper.column(String.class)).one().block(Duration.ofSeconds(10));
    }

    private static Mono<Void> raw(io.sluice.Session s, String sql) {
        return Flux.from(s.connection().createStatement(sql).execute()).concatMap(Result::getRowsUpdated).then();
    }

    @Test
    void rawSetNeverReachesTheNextBorrower() {
        Lanes lanes = t.start(t.lane(LANE).maxSize(1).minIdle(1).build());   // one connection: the next borrower is on it
        Database db = lanes.database();
        String searchPath = one(db, "SHOW search_path");
        String timeout = one(db, "SHOW statement_timeout");
        String pid = one(db, "SELECT pg_backend_pid()::text");
        assertThat(one(db, "SELECT pg_backend_pid()::text")).as("a clean unit keeps its connection").isEqualTo(pid);

        String seen = db.withConnection(LANE, s -> raw(s, "SET search_path TO pg_catalog")
                        .then(raw(s, "SET statement_timeout = 1234"))
                        .then(s.sql("SHOW statement_timeout").map(RowMapper.column(String.class)).one()))
                .block(Duration.ofSeconds(10));
        assertThat(seen).isEqualTo("1234ms");

        assertThat(one(db, "SHOW search_path")).isEqualTo(searchPath);
        assertThat(one(db, "SHOW statement_timeout")).isEqualTo(timeout);
        assertThat(one(db, "SELECT pg_backend_pid()::text")).as("the dirty connection was replaced").isNotEqualTo(pid);

        // reading the raw connection's metadata changes nothing and keeps the connection
        String pid2 = one(db, "SELECT pg_backend_pid()::text");
        db.withConnection(LANE, s -> Mono.just(s.connection().getMetadata().getDatabaseProductName())).block(Duration.ofSeconds(10));
        assertThat(one(db, "SELECT pg_backend_pid()::text")).isEqualTo(pid2);
    }
}
