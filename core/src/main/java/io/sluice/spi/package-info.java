/**
 * The connection-source SPI: what a pool implementation provides to the {@link io.sluice.Database} facade.
 */
@NullMarked
package io.sluice.spi;

import org.jspecify.annotations.NullMarked;
