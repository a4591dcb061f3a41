package io.sluice.examples.recipes;

import io.sluice.Database;
import io.sluice.IntegrityViolationException;
import io.sluice.Lane;
import io.sluice.RowMapper;
import io.sluice.TxOptions;
import io.sluice.examples.PlannerLanes;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Repository;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Recipes and ratings in PostgreSQL, through Sluice. Each method names the lane its work belongs to:
 * what a user waits for runs on {@link Lane#INTERACTIVE}, the export on {@link Lane#BACKGROUND}. Every
 * method is cold: nothing runs until the caller (WebFlux) subscribes, and the connection goes back to
 * its lane when the subscription completes, fails or is cancelled.
 */
@Repository
public class RecipeRepository {

    /** Rating a recipe locks its row; a rating that waits longer than this for the lock fails (55P03) instead of queueing. */
    static final Duration RATING_LOCK_TIMEOUT = Duration.ofSeconds(1);

    private final Database db;
    private final PlannerLanes lanes;

    public RecipeRepository(Database db, PlannerLanes lanes) {
        this.db = db;
        this.lanes = lanes;
    }

    /** The recipe, or empty. A read: Sluice may retry it after a lost connection. */
    public Mono<Recipe> find(long id) {
        return db.sql(lanes.interactive(), "SELECT " + Recipe.COLUMNS + " FROM recipe WHERE id = $1")
                .named("recipes.find")      // the operation tag of its meters and slow-statement reports
                .bind(1, id)
                .map(Recipe::from)
                .optional();
    }

    /** The newest recipes. */
    public Flux<Recipe> newest(int limit) {
        return db.sql(lanes.interactive(), "SELECT " + Recipe.COLUMNS + " FROM recipe ORDER BY id DESC LIMIT $1")
                .named("recipes.newest")
                .bind(1, limit)
                .map(Recipe::from)
                .all();
    }

    /** Stores a valid recipe; a second recipe of the same name fails with {@link DuplicateRecipeException}. */
    public Mono<Recipe> create(RecipeInput in) {
        String name = in.name().strip();
        var insert = db.sql(lanes.interactive(), """
                        INSERT INTO recipe (name, servings, prep_minutes, ingredients, instructions)
                        VALUES (:name, :servings, :prepMinutes, :ingredients, :instructions)
                        RETURNING\s""" + Recipe.COLUMNS)
                .named("recipes.create")
                .bind("name", name)
                .bind("servings", in.servings())
                .bind("prepMinutes", in.prepMinutes())
                .bind("ingredients", in.ingredients().stream().map(String::strip).toArray(String[]::new))
                .bind("instructions", in.instructions() == null ? "" : in.instructions());
        return insert.map(Recipe::from).one()
                // Sluice's typed error names the constraint the server reported: the unique name
                .onErrorMap(e -> e instanceof IntegrityViolationException v && "recipe_name_key".equals(v.constraint()),
                        e -> new DuplicateRecipeException(name));
    }

    /** A rating and whether this call stored it ({@code false}: a retry found the rating its key made before). */
    public record Rated(Rating rating, boolean created) {
    }

    /**
     * One transaction: store the rating, then add it to the recipe's aggregate (locking the recipe's row, so
     * concurrent ratings of one recipe take turns and the aggregate stays exact). It commits when the returned
     * Mono completes and rolls back when it fails or is cancelled — e.g. when the request's deadline passes:
     * the transaction's {@code statement_timeout} is then the smaller of the lane's and the time left.
     *
     * <p>Idempotent by key: a rating sent again with the same {@code key} (a client retrying after a timeout
     * or a 503) stores nothing and returns the rating the key made, so a retry can never count twice; two
     * concurrent requests with one key take turns on the unique index and the second finds the first's rating.
     */
    public Mono<Rated> rate(long recipeId, RatingInput in, @Nullable String key) {
        TxOptions options = TxOptions.readWrite().withLockTimeout(RATING_LOCK_TIMEOUT).named("ratings.add");
        return db.inTransaction(lanes.interactive(), options, s -> s.sql("""
                                INSERT INTO rating (recipe_id, stars, comment, idempotency_key, user_id) VALUES (:id, :stars, :comment, :key, :user)
                                ON CONFLICT (idempotency_key) DO NOTHING
                                RETURNING id""")
                        .bind("id", recipeId)
                        .bind("stars", in.stars())
                        .bind("comment", in.comment(), String.class)   // an optional column: NULL when absent
                        .bind("key", key, String.class)
                        .bind("user", in.userId(), Long.class)
                        .map(RowMapper.column("id", Long.class))
                        .optional()
                        .flatMap(id -> s.sql("""
                                        UPDATE recipe SET rating_count = rating_count + 1, rating_sum = rating_sum + :stars
                                        WHERE id = :id
                                        RETURNING rating_count, rating_sum""")
                                .bind("stars", in.stars())
                                .bind("id", recipeId)
                                .map(row -> new Rated(new Rating(id, recipeId, in.stars(), in.comment(),
                                        row.get("rating_count", Integer.class),
                                        average(row.get("rating_count", Integer.class), row.get("rating_sum", Integer.class))), true))
                                .one())
                        .switchIfEmpty(Mono.defer(() -> s.sql("""
                                        SELECT r.id, r.recipe_id, r.stars, r.comment, c.rating_count, c.rating_sum
                                        FROM rating r JOIN recipe c ON c.id = r.recipe_id WHERE r.idempotency_key = :key""")
                                .bind("key", key)
                                .map(row -> new Rating(row.get("id", Long.class), row.get("recipe_id", Long.class),
                                        row.get("stars", Short.class), row.get("comment", String.class),
                                        row.get("rating_count", Integer.class),
                                        average(row.get("rating_count", Integer.class), row.get("rating_sum", Integer.class))))
                                .one()
                                .flatMap(r -> r.recipeId() == recipeId && r.stars() == in.stars()
                                        ? Mono.just(new Rated(r, false))
                                        : Mono.error(new IdempotencyKeyReusedException())))))
                // the rating's foreign keys: no such recipe, or user (the transaction rolled back; nothing was stored)
                .onErrorMap(e -> e instanceof IntegrityViolationException v && "rating_recipe_id_fkey".equals(v.constraint()),
                        e -> new RecipeNotFoundException(recipeId))
                .onErrorMap(e -> e instanceof IntegrityViolationException v && "rating_user_id_fkey".equals(v.constraint()),
                        e -> new NotFoundException("no user " + in.userId()));
    }

    private static double average(int count, int sum) {
        return Math.round(10.0 * sum / count) / 10.0;
    }

    /** Recipes whose name or an ingredient contains {@code text} (case-insensitive), best rated first. */
    public Flux<Recipe> search(String text, int limit) {
        String pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
        return db.sql(lanes.interactive(), "SELECT " + Recipe.COLUMNS + """
                         FROM recipe
                        WHERE name ILIKE $1 OR EXISTS (SELECT 1 FROM unnest(ingredients) i WHERE i ILIKE $1)
                        ORDER BY (rating_sum::float / greatest(rating_count, 1)) DESC, id
                        LIMIT $2""")
                .named("recipes.search")
                .bind(1, pattern)
                .bind(2, limit)
                .map(Recipe::from)
                .all();
    }

    /**
     * Every recipe, oldest first, on the background lane. Streamed: Sluice fetches {@code fetchSize} rows
     * per round trip as the subscriber asks for them, so the export never holds the whole table in
     * memory; cancelling the subscription (the client went away) cancels the statement and gives the
     * connection back.
     */
    public Flux<Recipe> all() {
        return db.sql(lanes.background(), "SELECT " + Recipe.COLUMNS + " FROM recipe ORDER BY id")
                .named("recipes.export")
                .map(Recipe::from)
                .all();
    }
}
