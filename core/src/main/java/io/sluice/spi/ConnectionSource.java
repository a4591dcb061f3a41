package io.sluice.spi;

import io.sluice.Lane;
import java.util.Set;

/**
 * Lends connections of its lanes to the {@link io.sluice.Database} facade. Implemented by
 * {@code sluice-reactive-pool}; {@code core} knows no pool. A unit of work resolves its lane once, with
 * {@link #lane(Lane)}, and works with that {@link LaneSource} from then on.
 */
public interface ConnectionSource {

    /**
     * The lane's source.
     *
     * @throws io.sluice.UnknownLaneException for a lane that is not configured (the facade reports it at
     *                                        subscribe, like every other failure)
     */
    LaneSource lane(Lane lane);

    /** The lanes this source serves. */
    Set<Lane> lanes();
}
