/**
 * Not API: what Sluice's own modules share (failure translation and classification, redaction). Nothing here
 * is covered by compatibility promises; applications use {@code io.sluice} and {@code io.sluice.spi}.
 */
@NullMarked
package io.sluice.internal;

import org.jspecify.annotations.NullMarked;
