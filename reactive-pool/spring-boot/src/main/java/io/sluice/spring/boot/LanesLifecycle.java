package io.sluice.spring.boot;

import io.sluice.pool.Lanes;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Closes the lanes gracefully when the application context stops, in a phase after the web server's: Spring
 * Boot's graceful shutdown lets in-flight requests finish and the web server stops taking new ones first; the
 * lanes then stop admitting, give work still in flight (a background job) {@code sluice.close-grace} to hand
 * its connections back, and close every connection.
 */
final class LanesLifecycle implements SmartLifecycle {

    /** Below the web server's start/stop phase ({@code SmartLifecycle.DEFAULT_PHASE - 2048}): stopped after it. */
    static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

    private static final Logger LOG = LoggerFactory.getLogger(LanesLifecycle.class);

    private final Lanes lanes;
    private final Duration grace;
    private volatile boolean running;

    LanesLifecycle(Lanes lanes, Duration grace) {
        this.lanes = lanes;
        this.grace = grace;
    }

    @Override
    public void start() {
        running = true;   // the lanes were started when their bean was created, so that start-up code can use them
    }

    @Override
    public void stop() {
        lanes.closeGracefully(grace).block(grace.plusSeconds(30));
        running = false;
    }

    @Override
    public void stop(Runnable callback) {
        LOG.info("Closing Sluice's lanes: no new work; work in flight gets {} to finish", grace);
        lanes.closeGracefully(grace)
                .doFinally(s -> {
                    running = false;
                    callback.run();
                })
                .subscribe(null, e -> LOG.warn("Closing Sluice's lanes failed: {}", e.toString()));
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
