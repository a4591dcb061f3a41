package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class LaneTest {

    @Test
    void hasThreeBuiltInLanes() {
        assertThat(Lane.INTERACTIVE.name()).isEqualTo("interactive");
        assertThat(Lane.BACKGROUND.name()).isEqualTo("background");
        assertThat(Lane.ADMIN.name()).isEqualTo("admin");
    }

    @Test
    void returnsTheBuiltInInstanceForABuiltInName() {
        assertThat(Lane.of("interactive")).isSameAs(Lane.INTERACTIVE);
        assertThat(Lane.of("background")).isSameAs(Lane.BACKGROUND);
        assertThat(Lane.of("admin")).isSameAs(Lane.ADMIN);
    }

    @Test
    void lanesWithTheSameNameAreEqual() {
        Lane a = Lane.of("reports");
        Lane b = Lane.of("reports");

        assertThat(a).isNotSameAs(b).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a).isNotEqualTo(Lane.of("exports")).isNotEqualTo(Lane.INTERACTIVE).isNotEqualTo("reports");
    }

    @Test
    void printsAsItsName() {
        assertThat(Lane.of("bulk-load_2")).hasToString("bulk-load_2");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "a1", "bulk-load", "bulk_load", "x234567890123456789012345678901234567890"})
    void acceptsLowerCaseNamesUpToFortyCharacters(String name) {
        assertThat(Lane.of(name).name()).isEqualTo(name);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"Reports", "1st", "-lane", "_lane", "has space", "dot.ted", "x2345678901234567890123456789012345678901"})
    void rejectsInvalidNamesNamingTheValueAndTheRule(String name) {
        assertThatThrownBy(() -> Lane.of(name))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lane name '" + name + "' is invalid")
                .hasMessageContaining("1-40 characters of a-z, 0-9, '_' or '-', starting with a letter");
    }
}
