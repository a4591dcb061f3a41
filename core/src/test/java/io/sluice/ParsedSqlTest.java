package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Placeholders are found only where PostgreSQL would read them; everything quoted or commented is left alone. */
class ParsedSqlTest {

    @Test
    void rewritesNamedParametersInOrderOfFirstAppearance() {
        ParsedSql p = ParsedSql.parse("SELECT * FROM users WHERE email = :email AND tenant_id = :tenant");

        assertThat(p.sql).isEqualTo("SELECT * FROM users WHERE email = $1 AND tenant_id = $2");
        assertThat(p.count).isEqualTo(2);
        assertThat(p.names).isEqualTo(Map.of("email", 0, "tenant", 1));
        assertThat(p.nameList()).containsExactly("email", "tenant");
    }

    @Test
    void reusesTheIndexOfARepeatedName() {
        ParsedSql p = ParsedSql.parse("SELECT :b, :a, :b, :a");

        assertThat(p.sql).isEqualTo("SELECT $1, $2, $1, $2");
        assertThat(p.count).isEqualTo(2);
        assertThat(p.nameList()).containsExactly("b", "a");
    }

    @Test
    void acceptsUnderscoresAndDigitsInNames() {
        ParsedSql p = ParsedSql.parse("UPDATE t SET v = :_v2 WHERE id = :user_id");

        assertThat(p.sql).isEqualTo("UPDATE t SET v = $1 WHERE id = $2");
        assertThat(p.nameList()).containsExactly("_v2", "user_id");
    }

    @Test
    void countsPositionalPlaceholdersByTheHighestNumber() {
        String sql = "SELECT * FROM t WHERE a = $1 AND b = $3 OR c = $1 OR d = $2";
        ParsedSql p = ParsedSql.parse(sql);

        assertThat(p.count).isEqualTo(3);
        assertThat(p.names).isEmpty();
        assertThat(p.sql).isSameAs(sql);
    }

    @Test
    void countsAPositionalPlaceholderAtTheEndOfTheStatement() {
        assertThat(ParsedSql.parse("SELECT $2, $1").count).isEqualTo(2);
    }

    @Test
    void rejectsAGapInThePositionalPlaceholders() {
        assertThatThrownBy(() -> ParsedSql.parse("SELECT $12"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("the SQL uses $12 but not $1; PostgreSQL needs every placeholder from $1 to the highest");
        assertThatThrownBy(() -> ParsedSql.parse("SELECT $0"))
                .hasMessageStartingWith("the SQL has a placeholder $0; placeholders start at $1");
    }

    @Test
    void findsNoParametersInPlainSql() {
        ParsedSql p = ParsedSql.parse("SELECT 1");

        assertThat(p.count).isZero();
        assertThat(p.names).isEmpty();
        assertThat(p.sql).isEqualTo("SELECT 1");
    }

    @Test
    void skipsStringLiterals() {
        assertOnlyId("SELECT ':x $1' WHERE id = :id", "SELECT ':x $1' WHERE id = $1");
    }

    @Test
    void skipsStringLiteralsWithDoubledQuotes() {
        assertOnlyId("SELECT 'it''s :x' WHERE id = :id", "SELECT 'it''s :x' WHERE id = $1");
    }

    @Test
    void skipsEscapeStringsWithBackslashQuotes() {
        assertOnlyId("SELECT E'it\\'s :x' WHERE id = :id", "SELECT E'it\\'s :x' WHERE id = $1");
        assertOnlyId("SELECT e'\\\\' || ':x' WHERE id = :id", "SELECT e'\\\\' || ':x' WHERE id = $1");
    }

    @Test
    void treatsBackslashAsAnOrdinaryCharacterInStandardStrings() {
        assertOnlyId("SELECT 'C:\\' WHERE id = :id", "SELECT 'C:\\' WHERE id = $1");
    }

    @Test
    void skipsQuotedIdentifiers() {
        assertOnlyId("SELECT \"odd:name\", \"say \"\":x\"\"\" FROM t WHERE id = :id",
                "SELECT \"odd:name\", \"say \"\":x\"\"\" FROM t WHERE id = $1");
    }

    @Test
    void skipsLineCommentsUpToTheEndOfTheLine() {
        assertOnlyId("SELECT 1 -- not :x nor $2\nWHERE id = :id", "SELECT 1 -- not :x nor $2\nWHERE id = $1");
    }

    @Test
    void skipsALineCommentThatEndsTheStatement() {
        ParsedSql p = ParsedSql.parse("SELECT :id -- by :id's owner");

        assertThat(p.sql).isEqualTo("SELECT $1 -- by :id's owner");
        assertThat(p.count).isEqualTo(1);
    }

    @Test
    void skipsNestedBlockComments() {
        assertOnlyId("SELECT /* outer /* inner :x */ still comment :y */ id FROM t WHERE id = :id",
                "SELECT /* outer /* inner :x */ still comment :y */ id FROM t WHERE id = $1");
    }

    @Test
    void skipsDollarQuotedBodies() {
        assertOnlyId("DO $$ BEGIN PERFORM :x, $1; END $$; SELECT :id", "DO $$ BEGIN PERFORM :x, $1; END $$; SELECT $1");
    }

    @Test
    void skipsTaggedDollarQuotedBodiesUntilTheSameTag() {
        assertOnlyId("SELECT $fn$ a $$ :x $other$ :y $fn$ WHERE id = :id",
                "SELECT $fn$ a $$ :x $other$ :y $fn$ WHERE id = $1");
    }

    @Test
    void treatsDoubleColonAsACastNotAParameter() {
        ParsedSql p = ParsedSql.parse("SELECT :id::int, '1'::text, now()::date");

        assertThat(p.sql).isEqualTo("SELECT $1::int, '1'::text, now()::date");
        assertThat(p.nameList()).containsExactly("id");
    }

    @Test
    void ignoresAColonInsideAnIdentifier() {
        ParsedSql p = ParsedSql.parse("SELECT a:b, x FROM t");

        assertThat(p.count).isZero();
        assertThat(p.sql).isEqualTo("SELECT a:b, x FROM t");
    }

    @Test
    void ignoresAColonNotFollowedByAName() {
        assertThat(ParsedSql.parse("SELECT arr[1:2], ':' FROM t WHERE x = :").count).isZero();
    }

    @Test
    void rejectsMixedPlaceholderStyles() {
        assertThatThrownBy(() -> ParsedSql.parse("SELECT * FROM t WHERE a = :a AND b = $2"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("mixes :name and $n")
                .hasMessageContaining("SELECT * FROM t WHERE a = :a AND b = $2");
    }

    @Test
    void doesNotCountSkippedPlaceholdersAsMixing() {
        ParsedSql p = ParsedSql.parse("SELECT '$1', $$ $2 $$, :a /* $3 */");

        assertThat(p.nameList()).containsExactly("a");
        assertThat(p.count).isEqualTo(1);
    }

    @Test
    void toleratesUnterminatedQuotesAndComments() {
        assertThat(ParsedSql.parse("SELECT 'open :x").count).isZero();
        assertThat(ParsedSql.parse("SELECT /* open :x").count).isZero();
        assertThat(ParsedSql.parse("SELECT $tag$ open :x").count).isZero();
    }

    @Test
    void describesPlaceholdersAsTheCallerWroteThem() {
        assertThat(ParsedSql.parse("SELECT :first, :second").describe(1)).isEqualTo(":second");
        assertThat(ParsedSql.parse("SELECT $1, $2").describe(1)).isEqualTo("$2");
    }

    @Test
    void parsesARepeatedStatementOnce() {
        String sql = "SELECT :cached_" + System.nanoTime();

        assertThat(ParsedSql.of(sql)).isSameAs(ParsedSql.of(sql));
    }

    private static void assertOnlyId(String sql, String rewritten) {
        ParsedSql p = ParsedSql.parse(sql);
        assertThat(p.sql).isEqualTo(rewritten);
        assertThat(p.names).isEqualTo(Map.of("id", 0));
        assertThat(p.count).isEqualTo(1);
    }
}
