package io.sluice.examples;

import io.sluice.Database;
import io.sluice.Lane;
import io.sluice.TxOptions;
import java.util.List;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The service's tables, created if missing, in one transaction on the admin lane. An advisory lock
 * makes several instances starting at once take turns ({@code CREATE ... IF NOT EXISTS} alone can
 * still collide when two run at the same moment).
 */
public final class Schema {

    private Schema() {
    }

    /** The DDL for {@code schema}, which must be a plain identifier (checked by {@link MealPlannerProperties}). */
    static List<String> statements(String schema) {
        return List.of(
                "CREATE SCHEMA IF NOT EXISTS " + schema,
                """
                CREATE TABLE IF NOT EXISTS %s.recipe (
                    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    name          text        NOT NULL,
                    servings      integer     NOT NULL CHECK (servings BETWEEN 1 AND 100),
                    prep_minutes  integer     NOT NULL CHECK (prep_minutes BETWEEN 0 AND 1440),
                    ingredients   text[]      NOT NULL,
                    instructions  text        NOT NULL DEFAULT '',
                    rating_count  integer     NOT NULL DEFAULT 0,
                    rating_sum    integer     NOT NULL DEFAULT 0,
                    created_at    timestamptz NOT NULL DEFAULT now()
                )""".formatted(schema),
                "CREATE UNIQUE INDEX IF NOT EXISTS recipe_name_key ON " + schema + ".recipe (lower(name))",
                """
                CREATE TABLE IF NOT EXISTS %s.rating (
                    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    recipe_id   bigint      NOT NULL REFERENCES %s.recipe (id) ON DELETE CASCADE,
                    stars       smallint    NOT NULL CHECK (stars BETWEEN 1 AND 5),
                    comment     text,
                    created_at  timestamptz NOT NULL DEFAULT now()
                )""".formatted(schema, schema),
                "CREATE INDEX IF NOT EXISTS rating_recipe_id ON " + schema + ".rating (recipe_id)");
    }

    /** Creates whatever is missing; cold. */
    public static Mono<Void> create(Database db, String schema) {
        return db.inTransaction(Lane.ADMIN, TxOptions.readWrite(), s ->
                s.sql("SELECT pg_advisory_xact_lock(hashtext('sluice-examples schema ' || $1))").bind(1, schema).rowsUpdated()
                        .thenMany(Flux.fromIterable(statements(schema)).concatMap(ddl -> s.sql(ddl).rowsUpdated()))
                        .then());
    }
}
