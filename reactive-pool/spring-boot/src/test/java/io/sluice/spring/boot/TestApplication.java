package io.sluice.spring.boot;

import io.sluice.testing.PostgresFixture;
import io.sluice.pool.ServerConfig;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** An application with nothing but auto-configuration, pointed at the test fixture's server through {@code sluice.server.*}. */
@SpringBootConfiguration
@EnableAutoConfiguration
class TestApplication {

    /** Runs it with the fixture's server as {@code sluice.server.*} and {@code properties}, without a web server. */
    static ConfigurableApplicationContext run(Class<?> extra, String... properties) {
        ServerConfig pg = PostgresFixture.get().server();
        List<String> props = new ArrayList<>(List.of(
                "spring.main.banner-mode=off",
                "sluice.server.host=" + pg.host(),
                "sluice.server.port=" + pg.port(),
                "sluice.server.database=" + pg.database(),
                "sluice.server.user=" + pg.user()));
        if (pg.password() != null) {
            props.add("sluice.server.password=" + pg.password());
        }
        props.addAll(List.of(properties));
        return new SpringApplicationBuilder(TestApplication.class, extra)
                .web(WebApplicationType.NONE)
                .properties(props.toArray(String[]::new))
                .run();
    }

    static ConfigurableApplicationContext run(String... properties) {
        return run(TestApplication.class, properties);
    }
}
