package io.sluice.examples.recipes;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** The body of {@code POST /recipes}. Every field is nullable here so that a missing one is reported, not guessed. */
public record RecipeInput(@Nullable String name, @Nullable Integer servings, @Nullable Integer prepMinutes,
                          @Nullable List<String> ingredients, @Nullable String instructions) {

    /** What is wrong with this input, one sentence each; empty when it is valid. */
    public List<String> problems() {
        List<String> p = new ArrayList<>();
        if (name == null || name.isBlank()) {
            p.add("name is required");
        } else if (name.strip().length() > 200) {
            p.add("name must be at most 200 characters");
        }
        if (servings == null) {
            p.add("servings is required");
        } else if (servings < 1 || servings > 100) {
            p.add("servings must be between 1 and 100");
        }
        if (prepMinutes == null) {
            p.add("prepMinutes is required");
        } else if (prepMinutes < 0 || prepMinutes > 1440) {
            p.add("prepMinutes must be between 0 and 1440");
        }
        if (ingredients == null || ingredients.isEmpty()) {
            p.add("ingredients must list at least one ingredient");
        } else if (ingredients.size() > 50) {
            p.add("ingredients must list at most 50 ingredients");
        } else if (ingredients.stream().anyMatch(i -> i == null || i.isBlank() || i.length() > 200)) {
            p.add("each ingredient must be 1 to 200 characters");
        }
        if (instructions != null && instructions.length() > 10_000) {
            p.add("instructions must be at most 10000 characters");
        }
        return p;
    }
}
