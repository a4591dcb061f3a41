package io.sluice.examples.recipes;

/** A user, menu job or other resource of the planner does not exist: 404 with this message. */
public class NotFoundException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public NotFoundException(String what) {
        super(what);
    }
}
