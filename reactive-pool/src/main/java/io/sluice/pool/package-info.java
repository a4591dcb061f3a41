/**
 * The lanes: one r2dbc-pool {@code ConnectionPool} per {@link io.sluice.Lane}, each from an immutable,
 * builder-validated {@link io.sluice.pool.LaneConfig}, all connecting to one
 * {@link io.sluice.pool.ServerConfig}. {@link io.sluice.pool.Lanes} is the entry point and implements
 * core's {@link io.sluice.spi.ConnectionSource}.
 */
@NullMarked
package io.sluice.pool;

import org.jspecify.annotations.NullMarked;
