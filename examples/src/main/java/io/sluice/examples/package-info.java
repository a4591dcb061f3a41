/**
 * A small Spring WebFlux service, the "meal planner", that shows how an application uses Sluice:
 * lanes as Spring beans ({@link io.sluice.examples.SluiceConfiguration}), the schema created on the
 * admin lane at startup ({@link io.sluice.examples.Schema}), a repository on the interactive and
 * background lanes ({@link io.sluice.examples.recipes.RecipeRepository}), a deadline per request
 * ({@link io.sluice.examples.web.RequestDeadlineFilter}) and Sluice's errors as HTTP statuses
 * ({@link io.sluice.examples.web.ApiErrorHandler}).
 */
package io.sluice.examples;
