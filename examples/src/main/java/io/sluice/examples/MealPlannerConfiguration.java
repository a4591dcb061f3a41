package io.sluice.examples;

import io.sluice.Database;
import io.sluice.spring.boot.LaneConfigCustomizer;
import java.time.Duration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * What the meal planner adds to Sluice's Spring Boot starter, which builds the lanes from the
 * {@code sluice.lanes.*} properties (application.properties) and publishes {@code Lanes} and {@code Database}:
 * each lane's {@code search_path} and {@code application_name} from the service's own settings, and the
 * schema, created on the admin lane before anything can use it.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(MealPlannerProperties.class)
public class MealPlannerConfiguration {

    /**
     * Every lane's {@code search_path} is the configured schema, so the SQL names tables unqualified, and its
     * {@code application_name} is {@code <meal-planner.application-name>-<lane>}, for {@code pg_stat_activity}.
     */
    @Bean
    LaneConfigCustomizer mealPlannerLanes(MealPlannerProperties props) {
        return (lane, builder) -> builder
                .applicationName(props.applicationName() + "-" + lane.name())
                .sessionSetting("search_path", props.schema());
    }

    /** Which lane each kind of work runs on (one shared lane with {@code meal-planner.shared-pool=true}). */
    @Bean
    PlannerLanes plannerLanes(MealPlannerProperties props) {
        return PlannerLanes.of(props.sharedPool());
    }

    /** Creates the schema at start-up (on the admin lane); start-up fails if it cannot. */
    @Bean
    SchemaReady schemaReady(Database db, PlannerLanes lanes, MealPlannerProperties props) {
        Schema.create(db, lanes.admin(), props.schema()).block(Duration.ofMinutes(2));
        return new SchemaReady(props.schema());
    }

    /** A marker: beans that need the tables depend on it. */
    public record SchemaReady(String schema) {
    }
}
