package io.sluice.load.scenario;

import java.util.List;

/** The scenarios by name. */
public final class Scenarios {

    private static final List<Scenario> ALL = List.of(new Throughput(), new Isolation(), new Users(), new ConnectionPerQuery(),
            new Overload(), new Chaos());

    private Scenarios() {
    }

    public static List<Scenario> all() {
        return ALL;
    }

    public static Scenario get(String name) {
        return ALL.stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown scenario '" + name + "'; choose one of "
                        + String.join(", ", ALL.stream().map(Scenario::name).toList())));
    }
}
