package io.sluice;

import java.util.Collection;
import java.util.stream.Collectors;

/** Work was asked of a lane that was never configured. */
public class UnknownLaneException extends SluiceException {

    private static final long serialVersionUID = 1L;

    public UnknownLaneException(Lane lane, Collection<Lane> configured) {
        super("lane '" + lane.name() + "' is not configured; configured lanes: "
                + configured.stream().map(Lane::name).sorted().collect(Collectors.joining(", "))
                + ". Add it to the builder with .lane(LaneConfig.builder(Lane.of(\"" + lane.name() + "\"))...build())",
                lane, null, null);
    }

    @Override
    public FailureKind kind() {
        return FailureKind.USAGE;
    }
}
