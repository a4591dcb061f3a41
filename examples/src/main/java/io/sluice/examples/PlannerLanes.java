package io.sluice.examples;

import io.sluice.Lane;

/**
 * The lane each kind of the planner's work runs on. Normally Sluice's three: {@code interactive} for what a user
 * waits for, {@code background} for menus, the aggregation and the export, {@code admin} for the schema. With
 * {@code meal-planner.shared-pool=true} (the {@code shared} profile) all three are one lane, {@code shared}: the
 * one-pool design the plans started from, kept to measure against ({@code load-tests}' {@code http} scenario).
 */
public record PlannerLanes(Lane interactive, Lane background, Lane admin) {

    /** The lane every kind of work shares in the {@code shared} profile. */
    public static final Lane SHARED = Lane.of("shared");

    static PlannerLanes of(boolean shared) {
        return shared ? new PlannerLanes(SHARED, SHARED, SHARED) : new PlannerLanes(Lane.INTERACTIVE, Lane.BACKGROUND, Lane.ADMIN);
    }
}
