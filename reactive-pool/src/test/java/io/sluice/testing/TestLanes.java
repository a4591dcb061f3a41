package io.sluice.testing;

import io.sluice.Lane;
import io.sluice.pool.LaneConfig;
import io.sluice.pool.Lanes;

/**
 * Lanes for one test class: a schema of its own (dropped by {@link #close()}) and
 * {@code application_name}s of their own, so server-side counts see only this class's connections.
 */
public final class TestLanes implements AutoCloseable {

    private final PostgresFixture pg = PostgresFixture.get();
    private final String schema;
    private final String prefix;
    private Lanes current;

    public TestLanes(String name) {
        this.schema = PostgresFixture.uniqueName("t_" + name);
        this.prefix = schema.replace("t_", "sl-");
        pg.execute("CREATE SCHEMA " + schema);
    }

    public PostgresFixture pg() {
        return pg;
    }

    public String schema() {
        return schema;
    }

    /** The {@code application_name} of a lane of this class. */
    public String appName(Lane lane) {
        return prefix + "-" + lane.name();
    }

    /** A lane builder with this class's schema and application_name. */
    public LaneConfig.Builder lane(Lane lane) {
        return LaneConfig.builder(lane).applicationName(appName(lane)).sessionSetting("search_path", schema);
    }

    /** Builds and starts lanes; the ones of an earlier call are closed first. */
    public Lanes start(LaneConfig... configs) {
        return start(b -> b, configs);
    }

    /** Builds and starts lanes with builder settings of the test's own; the ones of an earlier call are closed first. */
    public Lanes start(java.util.function.UnaryOperator<Lanes.Builder> settings, LaneConfig... configs) {
        closeLanes();
        Lanes.Builder b = settings.apply(Lanes.builder(pg.server()));
        for (LaneConfig c : configs) {
            b.lane(c);
        }
        current = b.build().start().block();
        return current;
    }

    private void closeLanes() {
        if (current != null) {
            current.close();
            current = null;
        }
    }

    @Override
    public void close() {
        closeLanes();
        pg.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }
}
