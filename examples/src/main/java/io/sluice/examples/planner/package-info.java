/**
 * The rest of the meal planner, as WebFlux functional routes ({@link io.sluice.examples.planner.PlannerRoutes}):
 * users and the sign-in lookup and recipe search on the interactive lane, weekly menus generated as background
 * jobs ({@link io.sluice.examples.planner.MenuGenerator}), and the nightly aggregation on Sluice's chunked job
 * runner ({@link io.sluice.examples.planner.NightlyAggregation}).
 */
@NullMarked
package io.sluice.examples.planner;

import org.jspecify.annotations.NullMarked;
