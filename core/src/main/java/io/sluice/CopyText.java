package io.sluice;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Rows in PostgreSQL's {@code COPY ... FROM STDIN} text format: values separated by tabs, rows ended by a
 * newline, {@code \N} for null, backslash, tab, newline and carriage return escaped. A value is written as
 * PostgreSQL reads it back: numbers plainly, booleans {@code t}/{@code f}, {@code byte[]} as hex
 * {@code bytea}, dates and times in ISO 8601 (their {@code toString()}), anything else by its
 * {@code toString()}.
 */
final class CopyText {

    private CopyText() {
    }

    /**
     * Encodes {@code rows} (row {@code firstRow} onwards, for messages) of {@code columns.size()} values each.
     *
     * @throws BindException for a row of the wrong length
     */
    static ByteBuffer encode(List<? extends List<?>> rows, long firstRow, List<String> columns, @Nullable Lane lane) {
        StringBuilder sb = new StringBuilder(rows.size() * 16 * Math.max(1, columns.size()));
        for (int r = 0; r < rows.size(); r++) {
            List<?> row = rows.get(r);
            if (row == null || row.size() != columns.size()) {
                throw new BindException("row " + (firstRow + r) + " has " + (row == null ? "no" : row.size()) + " value"
                        + (row != null && row.size() == 1 ? "" : "s") + " but " + columns.size() + " columns were named " + columns, lane);
            }
            for (int c = 0; c < row.size(); c++) {
                if (c > 0) {
                    sb.append('\t');
                }
                append(sb, row.get(c));
            }
            sb.append('\n');
        }
        return ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    static void append(StringBuilder sb, @Nullable Object v) {
        if (v == null) {
            sb.append("\\N");
        } else if (v instanceof Boolean b) {
            sb.append(b ? 't' : 'f');
        } else if (v instanceof BigDecimal d) {
            sb.append(d.toPlainString());
        } else if (v instanceof Number || v instanceof java.util.UUID) {
            sb.append(v);
        } else if (v instanceof byte[] bytes) {
            sb.append("\\\\x");
            for (byte x : bytes) {
                sb.append(Character.forDigit((x >> 4) & 0xF, 16)).append(Character.forDigit(x & 0xF, 16));
            }
        } else if (v instanceof Enum<?> e) {
            escape(sb, e.name());
        } else {
            escape(sb, v.toString());
        }
    }

    private static void escape(StringBuilder sb, String s) {
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '\\' -> sb.append("\\\\");
                case '\t' -> sb.append("\\t");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                default -> sb.append(ch);
            }
        }
    }
}
