/**
 * Sluice's Spring Boot starter: {@link io.sluice.spring.boot.SluiceAutoConfiguration} (the {@code sluice.*}
 * properties, {@code Lanes} and {@code Database} beans, meters, a drain after the web server stops) and
 * {@link io.sluice.spring.boot.SluiceHealthAutoConfiguration} (the {@code lanes} health component).
 */
@NullMarked
package io.sluice.spring.boot;

import org.jspecify.annotations.NullMarked;
