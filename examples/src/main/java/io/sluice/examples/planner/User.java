package io.sluice.examples.planner;

import io.r2dbc.spi.Readable;
import java.time.OffsetDateTime;
import org.jspecify.annotations.Nullable;

/** A user of the planner. */
public record User(long id, String email, String displayName, @Nullable OffsetDateTime lastSignInAt) {

    static final String COLUMNS = "id, email, display_name, last_sign_in_at";

    static User from(Readable row) {
        return new User(row.get("id", Long.class), row.get("email", String.class), row.get("display_name", String.class),
                row.get("last_sign_in_at", OffsetDateTime.class));
    }
}
