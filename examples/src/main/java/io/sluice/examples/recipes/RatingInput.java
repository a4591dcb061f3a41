package io.sluice.examples.recipes;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** The body of {@code POST /recipes/{id}/ratings}; {@code userId} (optional) counts it in that user's daily activity. */
public record RatingInput(@Nullable Integer stars, @Nullable String comment, @Nullable Long userId) {

    public List<String> problems() {
        List<String> p = new ArrayList<>();
        if (stars == null) {
            p.add("stars is required");
        } else if (stars < 1 || stars > 5) {
            p.add("stars must be between 1 and 5");
        }
        if (comment != null && comment.length() > 2_000) {
            p.add("comment must be at most 2000 characters");
        }
        return p;
    }
}
