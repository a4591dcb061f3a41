package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.r2dbc.spi.Connection;
import io.sluice.Lane;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Retirement's rules on a clock the test moves: the minIdle floor, spread retirement times, the rate cap. */
class RetirementTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000_000L);

    private static Connection connection() {
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[]{Connection.class},
                (p, m, a) -> m.getName().equals("hashCode") ? System.identityHashCode(p) : m.getName().equals("equals") ? p == a[0] : null);
    }

    private Retirement retirement(LaneConfig.Builder b) {
        return new Retirement(b.build(), now::get);
    }

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    @Test
    void neverRetiresAnIdleConnectionWithinTheMinimum() {
        Retirement r = retirement(LaneConfig.builder(Lane.INTERACTIVE).maxSize(8).minIdle(4).maxIdleTime(Duration.ofSeconds(1)));
        List<Connection> cs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Connection c = connection();
            r.created(c);
            cs.add(c);
        }
        int retired = 0;
        for (Connection c : cs) {
            if (r.retires(c, 5_000, 1)) {
                retired++;
            }
        }
        assertThat(retired).isEqualTo(2);
        assertThat(r.live()).isEqualTo(4);
        assertThat(r.spareWanted()).isFalse();  // idle ones within the minimum simply stay
    }

    @Test
    void anExpiredConnectionAtTheMinimumWaitsForItsReplacement() {
        Retirement r = retirement(LaneConfig.builder(Lane.INTERACTIVE).maxSize(8).minIdle(2).maxLifetime(Duration.ofSeconds(10)));
        Connection a = connection();
        Connection b = connection();
        r.created(a);
        r.created(b);
        advance(Duration.ofSeconds(11));
        assertThat(r.retires(a, 0, 1)).isFalse();
        assertThat(r.spareWanted()).isTrue();
        r.created(connection());                    // the replacement
        assertThat(r.retires(a, 0, 1)).isTrue();
        assertThat(r.live()).isEqualTo(2);
        r.destroyed(a);
        assertThat(r.live()).isEqualTo(2);
    }

    @Test
    void connectionsCreatedTogetherRetireAtLeastAQuarterSecondApartInALaneOfEight() {
        LaneConfig config = LaneConfig.builder(Lane.INTERACTIVE).maxSize(8).build();    // 30 min, jitter 3 min
        Retirement r = new Retirement(config, now::get);
        List<Connection> cs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Connection c = connection();
            r.created(c);
            cs.add(c);
        }
        // step through time one sweep at a time and record when each retires
        List<Long> retiredAt = new ArrayList<>();
        java.util.Set<Connection> gone = new java.util.HashSet<>();
        long start = now.get();
        while (retiredAt.size() < 8 && now.get() - start < Duration.ofMinutes(31).toNanos()) {
            advance(config.evictionInterval().compareTo(Duration.ofMillis(100)) < 0 ? config.evictionInterval() : Duration.ofMillis(100));
            for (Connection c : cs) {
                if (!gone.contains(c) && r.retires(c, 0, 1)) {
                    gone.add(c);
                    retiredAt.add(now.get());
                    r.created(connection());
                }
            }
        }
        assertThat(retiredAt).hasSize(8);
        assertThat(retiredAt.get(7) - start).isLessThanOrEqualTo(Duration.ofMinutes(30).toNanos());
        for (long t : retiredAt) {
            long inOneSecond = retiredAt.stream().filter(x -> x >= t && x < t + 1_000_000_000L).count();
            assertThat(inOneSecond).as("retired within one second of %s", t).isLessThanOrEqualTo(r.quota());
        }
    }

    @Test
    void retiresAtMostAQuarterOfTheLaneInAnyOneSecond() {
        Retirement r = retirement(LaneConfig.builder(Lane.INTERACTIVE).maxSize(8).maxLifetime(Duration.ofSeconds(10))
                .lifetimeJitter(Duration.ZERO));
        List<Connection> cs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Connection c = connection();
            r.created(c);
            cs.add(c);
        }
        advance(Duration.ofSeconds(20));            // all long expired
        assertThat(cs.stream().filter(c -> r.retires(c, 0, 1)).count()).isEqualTo(2);
        advance(Duration.ofMillis(999));
        assertThat(cs.stream().filter(c -> r.retires(c, 0, 1)).count()).isEqualTo(2);   // the same two: condemned
        advance(Duration.ofMillis(2));
        assertThat(cs.stream().filter(c -> r.retires(c, 0, 1)).count()).isEqualTo(4);
    }
}
