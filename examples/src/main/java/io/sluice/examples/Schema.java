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
                "CREATE INDEX IF NOT EXISTS rating_recipe_id ON " + schema + ".rating (recipe_id)",
                """
                CREATE TABLE IF NOT EXISTS %s.app_user (
                    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    email           text        NOT NULL,
                    display_name    text        NOT NULL,
                    created_at      timestamptz NOT NULL DEFAULT now(),
                    last_sign_in_at timestamptz
                )""".formatted(schema),
                "CREATE UNIQUE INDEX IF NOT EXISTS app_user_email_key ON " + schema + ".app_user (lower(email))",
                // a retried rating carries the same Idempotency-Key and finds the rating it made; the nightly
                // aggregation claims ratings not yet aggregated
                "ALTER TABLE " + schema + ".rating ADD COLUMN IF NOT EXISTS idempotency_key text",
                "ALTER TABLE " + schema + ".rating ADD COLUMN IF NOT EXISTS user_id bigint REFERENCES " + schema + ".app_user (id)",
                "ALTER TABLE " + schema + ".rating ADD COLUMN IF NOT EXISTS aggregated boolean NOT NULL DEFAULT false",
                "ALTER TABLE " + schema + ".rating ADD COLUMN IF NOT EXISTS aggregate_error text",
                "CREATE UNIQUE INDEX IF NOT EXISTS rating_idempotency_key ON " + schema + ".rating (idempotency_key)",
                "CREATE INDEX IF NOT EXISTS rating_pending ON " + schema + ".rating (id) WHERE NOT aggregated",
                """
                CREATE TABLE IF NOT EXISTS %s.recipe_daily_stats (
                    recipe_id  bigint  NOT NULL REFERENCES %s.recipe (id) ON DELETE CASCADE,
                    day        date    NOT NULL,
                    ratings    integer NOT NULL,
                    stars_sum  integer NOT NULL,
                    PRIMARY KEY (recipe_id, day)
                )""".formatted(schema, schema),
                """
                CREATE TABLE IF NOT EXISTS %s.user_daily_activity (
                    user_id  bigint  NOT NULL REFERENCES %s.app_user (id) ON DELETE CASCADE,
                    day      date    NOT NULL,
                    ratings  integer NOT NULL,
                    PRIMARY KEY (user_id, day)
                )""".formatted(schema, schema),
                """
                CREATE TABLE IF NOT EXISTS %s.menu_job (
                    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    user_id     bigint      NOT NULL REFERENCES %s.app_user (id) ON DELETE CASCADE,
                    week_start  date        NOT NULL,
                    state       text        NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed')),
                    done        integer     NOT NULL DEFAULT 0,
                    total       integer     NOT NULL,
                    error       text,
                    created_at  timestamptz NOT NULL DEFAULT now(),
                    finished_at timestamptz
                )""".formatted(schema, schema),
                """
                CREATE TABLE IF NOT EXISTS %s.menu_item (
                    job_id     bigint   NOT NULL REFERENCES %s.menu_job (id) ON DELETE CASCADE,
                    day        smallint NOT NULL,
                    meal       smallint NOT NULL,
                    recipe_id  bigint   NOT NULL REFERENCES %s.recipe (id) ON DELETE CASCADE,
                    PRIMARY KEY (job_id, day, meal)
                )""".formatted(schema, schema, schema));
    }

    /** Creates whatever is missing; cold. */
    public static Mono<Void> create(Database db, Lane lane, String schema) {
        return db.inTransaction(lane, TxOptions.readWrite(), s ->
                s.sql("SELECT pg_advisory_xact_lock(hashtext('sluice-examples schema ' || $1))").bind(1, schema).rowsUpdated()
                        .thenMany(Flux.fromIterable(statements(schema)).concatMap(ddl -> s.sql(ddl).rowsUpdated()))
                        .then());
    }
}
