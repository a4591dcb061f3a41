package io.sluice.examples;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The meal planner: recipes and ratings over Sluice's lanes. {@code java -jar examples/target/sluice-examples.jar}. */
@SpringBootApplication
public class MealPlannerApplication {

    public static void main(String[] args) {
        SpringApplication.run(MealPlannerApplication.class, args);
    }
}
