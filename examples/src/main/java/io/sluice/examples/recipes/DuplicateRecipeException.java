package io.sluice.examples.recipes;

/** A recipe of that name exists already (names are unique, ignoring case): 409. */
public class DuplicateRecipeException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public DuplicateRecipeException(String name) {
        super("a recipe named '" + name + "' exists already");
    }
}
