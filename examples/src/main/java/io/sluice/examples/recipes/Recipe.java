package io.sluice.examples.recipes;

import io.r2dbc.spi.Readable;
import java.time.OffsetDateTime;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A recipe as the API returns it.
 *
 * @param averageRating the mean of its ratings, {@code null} while it has none
 */
public record Recipe(long id, String name, int servings, int prepMinutes, List<String> ingredients,
                     String instructions, int ratingCount, @Nullable Double averageRating, OffsetDateTime createdAt) {

    /** The columns {@link #from(Readable)} reads. */
    static final String COLUMNS = "id, name, servings, prep_minutes, ingredients, instructions, rating_count, rating_sum, created_at";

    /** A row mapper: runs on the driver's thread, so it only reads columns. */
    static Recipe from(Readable row) {
        int count = row.get("rating_count", Integer.class);
        int sum = row.get("rating_sum", Integer.class);
        return new Recipe(
                row.get("id", Long.class),
                row.get("name", String.class),
                row.get("servings", Integer.class),
                row.get("prep_minutes", Integer.class),
                List.of(row.get("ingredients", String[].class)),
                row.get("instructions", String.class),
                count,
                count == 0 ? null : Math.round(10.0 * sum / count) / 10.0,
                row.get("created_at", OffsetDateTime.class));
    }
}
