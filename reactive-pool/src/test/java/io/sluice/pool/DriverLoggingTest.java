package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** The start-up warning names the driver's loggers that print bind values when they are at DEBUG, and only those. */
class DriverLoggingTest {

    private static final String PARAM = "io.r2dbc.postgresql.PARAM";
    private static final String CLIENT = "io.r2dbc.postgresql.client.ReactorNettyClient";

    @Test
    void namesEachValuePrintingLoggerAtDebugAndSaysWhatItPrints() {
        assertThat(DriverLogging.warning(Set.of(PARAM, CLIENT)::contains))
                .startsWith("bind values will be logged: " + PARAM + " (prints every bind value) and " + CLIENT
                        + " (prints every server message, an error's DETAIL such as 'Failing row contains (...)' included)"
                        + " are enabled at DEBUG. Where logs must not hold data, set them to INFO in the logging configuration");
        assertThat(DriverLogging.warning(PARAM::equals)).contains(PARAM + " (prints every bind value) is enabled at DEBUG. Where logs must not hold data, set it to INFO")
                .doesNotContain(CLIENT);
        assertThat(DriverLogging.warning(CLIENT::equals)).contains(CLIENT).doesNotContain(PARAM);
    }

    @Test
    void saysNothingWhenNoneIsAtDebug() {
        assertThat(DriverLogging.warning(name -> false)).isNull();
        // QUERY prints the SQL text only: values travel as binds, never in it
        assertThat(DriverLogging.warning("io.r2dbc.postgresql.QUERY"::equals)).isNull();
    }
}
