package io.sluice.examples.web;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * A WARN line at most once per interval, saying how many like it were not written since the last one. For the
 * answers a service gives by the thousand when it is overloaded (503 sheds, 504 deadlines): a line per request
 * would cost the CPU and the log lock the service is short of just then, and bury everything else in the log;
 * each one is counted by the lane's meters anyway.
 */
final class ThrottledLog {

    private final Logger log;
    private final long intervalNanos;
    private final LongSupplier nanoTime;
    /** When the next line may be written (System.nanoTime); MIN_VALUE before the first. */
    private final AtomicLong next = new AtomicLong(Long.MIN_VALUE);
    private final LongAdder suppressed = new LongAdder();

    ThrottledLog(Logger log, Duration interval) {
        this(log, interval, System::nanoTime);
    }

    ThrottledLog(Logger log, Duration interval, LongSupplier nanoTime) {
        this.log = log;
        this.intervalNanos = interval.toNanos();
        this.nanoTime = nanoTime;
    }

    /** Writes {@code "<request>: <status> <message>"}, or counts it when a line was written within the interval. */
    void warn(String request, int status, String message) {
        long now = nanoTime.getAsLong();
        long at = next.get();
        if ((at == Long.MIN_VALUE || now - at >= 0) && next.compareAndSet(at, now + intervalNanos)) {
            long more = suppressed.sumThenReset();
            if (more == 0) {
                log.warn("{}: {} {}", request, status, message);
            } else {
                log.warn("{}: {} {} (and {} more overload or deadline answers since the last such line, counted by the "
                        + "lanes' meters, not logged one by one)", request, status, message, more);
            }
        } else {
            suppressed.increment();
        }
    }
}
