package io.sluice.examples.web;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Overload answers are logged a line a second at most, each line saying how many were not written. */
class ThrottledLogTest {

    @Test
    void oneLineAnIntervalCountingTheOthers() {
        Logger logger = (Logger) LoggerFactory.getLogger("throttled-log-test");
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        logger.addAppender(lines);
        AtomicLong now = new AtomicLong(5_000_000_000L);
        ThrottledLog log = new ThrottledLog(logger, Duration.ofSeconds(1), now::get);

        for (int i = 0; i < 1_000; i++) {   // a burst of sheds within the same second
            log.warn("GET /recipes/1", 503, "lane interactive overloaded");
        }
        assertThat(lines.list).singleElement().extracting(ILoggingEvent::getFormattedMessage)
                .isEqualTo("GET /recipes/1: 503 lane interactive overloaded");

        now.addAndGet(Duration.ofMillis(999).toNanos());
        log.warn("GET /recipes/1", 503, "still");
        assertThat(lines.list).hasSize(1);

        now.addAndGet(Duration.ofMillis(1).toNanos());
        log.warn("GET /recipes/2", 504, "deadline passed");
        assertThat(lines.list).hasSize(2);
        assertThat(lines.list.get(1).getFormattedMessage()).startsWith("GET /recipes/2: 504 deadline passed (and 1000 more ");

        now.addAndGet(Duration.ofSeconds(5).toNanos());
        log.warn("GET /recipes/3", 503, "again");
        assertThat(lines.list.get(2).getFormattedMessage()).isEqualTo("GET /recipes/3: 503 again");
        logger.detachAppender(lines);
    }
}
