package io.sluice.load.client;

import java.util.SplittableRandom;

/** Produces the next unit of work of a series; called by one driver thread or worker at a time per random. */
@FunctionalInterface
public interface WorkSource {
    Work next(SplittableRandom random);
}
