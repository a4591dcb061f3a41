/**
 * What an application codes against: {@link io.sluice.Lane}, the {@link io.sluice.Database} facade,
 * {@link io.sluice.TxOptions}, queries with row mapping and the typed error model.
 *
 * <p>Every method that returns a {@code Mono} or {@code Flux} is cold: nothing happens until it is
 * subscribed, and a connection lives exactly as long as that subscription.
 */
@NullMarked
package io.sluice;

import org.jspecify.annotations.NullMarked;
