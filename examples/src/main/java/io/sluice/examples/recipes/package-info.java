/** Recipes and ratings: the repository over Sluice's {@link io.sluice.Database}, and the endpoints. */
package io.sluice.examples.recipes;
