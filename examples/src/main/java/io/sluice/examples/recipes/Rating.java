package io.sluice.examples.recipes;

import org.jspecify.annotations.Nullable;

/** A stored rating and its recipe's aggregate after it, as one transaction left them. */
public record Rating(long id, long recipeId, int stars, @Nullable String comment, int recipeRatingCount,
                     double recipeAverageRating) {
}
