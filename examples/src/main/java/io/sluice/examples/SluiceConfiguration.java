package io.sluice.examples;

import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.Database;
import io.sluice.Lane;
import io.sluice.pool.LaneConfig;
import io.sluice.pool.Lanes;
import io.sluice.pool.ReadReplicas;
import io.sluice.pool.ServerConfig;
import java.time.Duration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Sluice as Spring beans: the server, the lanes (started when the bean is created, closed gracefully
 * when the context closes) and the {@link Database} facade, published once the schema exists.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(MealPlannerProperties.class)
public class SluiceConfiguration {

    /**
     * Where to connect: PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD, PGSSLMODE, ... (default 127.0.0.1:5432).
     * {@code PGHOST=db-a,db-b PGTARGETSESSIONATTRS=read-write} follows the primary through a failover.
     */
    @Bean
    @ConditionalOnMissingBean
    ServerConfig serverConfig() {
        return ServerConfig.fromEnvironment().build();
    }

    /**
     * Three lanes, each with its own pool, limits and session defaults:
     * <ul>
     *   <li>{@code interactive}: the user-facing endpoints. A small pool, a short queue and a short wait,
     *       so that under overload a request is told "busy" (503) at once instead of queueing; a 2 s
     *       {@code statement_timeout}.</li>
     *   <li>{@code background}: the export. Its own connections, so a long export never takes one from
     *       a user request; a long statement timeout.</li>
     *   <li>{@code admin}: one connection, for creating the schema at startup (and, in the tests, for
     *       maintenance work such as holding a lock).</li>
     * </ul>
     * Every lane's {@code search_path} is the configured schema, so the SQL names tables unqualified.
     */
    @Bean(destroyMethod = "close")
    Lanes lanes(ServerConfig server, MealPlannerProperties props, MeterRegistry meters) {
        MealPlannerProperties.Interactive interactive = props.interactive();
        MealPlannerProperties.Background background = props.background();
        Lanes.Builder builder = Lanes.builder(server)
                .meterRegistry(meters)                     // db.client.connection.* and sluice.* meters, under /actuator/metrics
                .closeGracePeriod(props.closeGrace())
                .healthProbeInterval(props.healthProbeInterval())   // /lanes/health and /actuator/health reuse a probe this long
                .lane(LaneConfig.builder(Lane.INTERACTIVE)
                        .maxSize(interactive.maxSize())
                        .minIdle(Math.min(2, interactive.maxSize()))
                        .maxPendingAcquires(interactive.maxPending())
                        .acquireTimeout(interactive.acquireTimeout())
                        .statementTimeout(interactive.statementTimeout())
                        .applicationName(props.applicationName() + "-interactive")
                        .sessionSetting("search_path", props.schema())
                        .build())
                .lane(LaneConfig.builder(Lane.BACKGROUND)
                        .maxSize(background.maxSize())
                        .statementTimeout(background.statementTimeout())
                        .fetchSize(background.fetchSize())
                        .applicationName(props.applicationName() + "-background")
                        .sessionSetting("search_path", props.schema())
                        .build())
                .lane(LaneConfig.builder(Lane.ADMIN)
                        .maxSize(1)
                        .lockTimeout(Duration.ofSeconds(10))     // DDL waits this long for a lock, then fails
                        .maxIdleTime(Duration.ofMinutes(1))      // used at startup; its connection need not stay open
                        .applicationName(props.applicationName() + "-admin")
                        .sessionSetting("search_path", props.schema())
                        .build());
        if (!background.standbys().isEmpty()) {
            // the export reads from the standbys in rotation; the primary when none answers or one lags behind
            ReadReplicas.Builder replicas = ReadReplicas.builder();
            background.standbys().forEach(url -> replicas.standby(ServerConfig.fromUrl(url).build()));
            builder.readReplicas(Lane.BACKGROUND, replicas.build());
        }
        Lanes lanes = builder.build();
        try {
            // checks max_connections against the lanes' sizes and opens the initial connections
            return lanes.start().block(Duration.ofSeconds(60));
        } catch (RuntimeException e) {
            lanes.close();
            throw e;
        }
    }

    /** The facade the application codes against; the schema is created (on the admin lane) before anything can use it. */
    @Bean
    Database database(Lanes lanes, MealPlannerProperties props) {
        Database db = lanes.database();
        Schema.create(db, props.schema()).block(Duration.ofMinutes(2));
        return db;
    }
}
