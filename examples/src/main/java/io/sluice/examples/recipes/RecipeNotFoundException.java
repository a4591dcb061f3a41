package io.sluice.examples.recipes;

/** No recipe has this id: 404. */
public class RecipeNotFoundException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public RecipeNotFoundException(long id) {
        super("no recipe with id " + id);
    }
}
