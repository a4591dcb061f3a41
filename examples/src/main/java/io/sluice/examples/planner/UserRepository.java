package io.sluice.examples.planner;

import io.sluice.Database;
import io.sluice.IntegrityViolationException;
import io.sluice.examples.PlannerLanes;
import io.sluice.examples.recipes.NotFoundException;
import org.springframework.stereotype.Repository;
import reactor.core.publisher.Mono;

/** Users, on the interactive lane: registration and the sign-in lookup. */
@Repository
public class UserRepository {

    private final Database db;
    private final PlannerLanes lanes;

    public UserRepository(Database db, PlannerLanes lanes) {
        this.db = db;
        this.lanes = lanes;
    }

    /** A new user; an email taken already (ignoring case) fails with {@link EmailTakenException}. */
    public Mono<User> register(String email, String displayName) {
        return db.sql(lanes.interactive(), "INSERT INTO app_user (email, display_name) VALUES ($1, $2) RETURNING " + User.COLUMNS)
                .named("users.register")
                .bind(1, email.strip())
                .bind(2, displayName.strip())
                .map(User::from)
                .one()
                .onErrorMap(e -> e instanceof IntegrityViolationException v && "app_user_email_key".equals(v.constraint()),
                        e -> new EmailTakenException());
    }

    /**
     * The sign-in lookup: the user with this email (ignoring case), whose {@code last_sign_in_at} it sets, in one
     * statement. Answers "unknown" without saying more (a sign-in never tells which addresses exist).
     */
    public Mono<User> signIn(String email) {
        return db.sql(lanes.interactive(), "UPDATE app_user SET last_sign_in_at = now() WHERE lower(email) = lower($1) RETURNING "
                        + User.COLUMNS)
                .named("users.sign-in")
                .bind(1, email.strip())
                .map(User::from)
                .optional()
                .switchIfEmpty(Mono.error(() -> new NotFoundException("no user with that email")));
    }

    /** Whether the user exists. */
    public Mono<Boolean> exists(long id) {
        return db.sql(lanes.interactive(), "SELECT 1 FROM app_user WHERE id = $1").named("users.exists").bind(1, id)
                .map(r -> true).optional().defaultIfEmpty(false);
    }

    /** An email that belongs to another user already: 409. */
    public static class EmailTakenException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        EmailTakenException() {
            super("a user with that email exists already");
        }
    }
}
