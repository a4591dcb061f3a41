package io.sluice.examples.recipes;

/** An {@code Idempotency-Key} sent again with a different request than the one it first came with: 409. */
public class IdempotencyKeyReusedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public IdempotencyKeyReusedException() {
        super("this Idempotency-Key was used for a different rating; use a new key for a new rating");
    }
}
