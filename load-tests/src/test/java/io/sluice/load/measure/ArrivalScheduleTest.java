package io.sluice.load.measure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ArrivalScheduleTest {

    @Test
    void spacesArrivalsEvenlyAtTheRate() {
        ArrivalSchedule s = new ArrivalSchedule(1_000, 200);
        assertThat(s.at(0)).isEqualTo(1_000);
        assertThat(s.at(1)).isEqualTo(1_000 + 5_000_000);
        assertThat(s.at(200)).isEqualTo(1_000 + 1_000_000_000);
    }

    @Test
    void doesNotDriftOverMillionsOfArrivalsAtAnAwkwardRate() {
        ArrivalSchedule s = new ArrivalSchedule(0, 3);
        // 3/s does not divide a second into whole nanoseconds; the 3-millionth arrival is still due at 1,000,000 s
        assertThat(s.at(3_000_000)).isBetween(999_999_999_999_999L, 1_000_000_000_000_000L);
    }

    @Test
    void countsArrivalsDueByATime() {
        ArrivalSchedule s = new ArrivalSchedule(0, 1000);
        assertThat(s.dueBy(-1)).isZero();
        assertThat(s.dueBy(0)).isEqualTo(1);
        assertThat(s.dueBy(999_999)).isEqualTo(1);
        assertThat(s.dueBy(1_000_000)).isEqualTo(2);
        assertThat(s.dueBy(1_000_000_000)).isEqualTo(1001);
    }

    @Test
    void rejectsARateThatIsNotPositive() {
        assertThatThrownBy(() -> new ArrivalSchedule(0, 0)).hasMessageContaining("rate").hasMessageContaining("0.0");
        assertThatThrownBy(() -> new ArrivalSchedule(0, Double.NaN)).hasMessageContaining("rate");
    }
}
