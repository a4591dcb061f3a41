package io.sluice.pool;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.r2dbc.postgresql.message.frontend.Bind;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * A pipelined statement's parameters in PostgreSQL's text format, with the type each Java class is sent
 * as (the types r2dbc-postgresql's own codecs use for them, so a statement means the same on a shared
 * connection as on a connection of its own). Kept as text, not bytes: a statement sent again after a
 * neighbour's cancel hit it is encoded afresh.
 */
final class TextParameters {

    /** Java type to PostgreSQL type OID. */
    private static final Map<Class<?>, Integer> OIDS = Map.ofEntries(
            Map.entry(String.class, 1043),          // varchar, as the driver binds a String
            Map.entry(Integer.class, 23),
            Map.entry(Long.class, 20),
            Map.entry(Short.class, 21),
            Map.entry(Boolean.class, 16),
            Map.entry(Double.class, 701),
            Map.entry(Float.class, 700),
            Map.entry(BigDecimal.class, 1700),
            Map.entry(UUID.class, 2950),
            Map.entry(LocalDate.class, 1082),
            Map.entry(LocalTime.class, 1083),
            Map.entry(LocalDateTime.class, 1114),
            Map.entry(OffsetDateTime.class, 1184),
            Map.entry(Instant.class, 1184),
            Map.entry(byte[].class, 17));

    private final int[] oids;
    private final @Nullable String[] texts;

    private TextParameters(int[] oids, @Nullable String[] texts) {
        this.oids = oids;
        this.texts = texts;
    }

    /** Whether a statement with parameters of these types can be sent as text (a primitive type counts as its wrapper). */
    static boolean supports(Class<?>[] types) {
        for (Class<?> t : types) {
            if (!OIDS.containsKey(wrap(t))) {
                return false;
            }
        }
        return true;
    }

    static TextParameters of(@Nullable Object[] values, Class<?>[] types) {
        int[] oids = new int[values.length];
        String[] texts = new String[values.length];
        for (int i = 0; i < values.length; i++) {
            Integer oid = OIDS.get(wrap(types[i]));
            if (oid == null) {
                throw new IllegalArgumentException("a shared statement cannot send a " + types[i].getName());
            }
            oids[i] = oid;
            texts[i] = values[i] == null ? null : text(values[i]);
        }
        return new TextParameters(oids, texts);
    }

    private static Class<?> wrap(Class<?> t) {
        return java.lang.invoke.MethodType.methodType(t).wrap().returnType();
    }

    private static String text(Object v) {
        if (v instanceof Boolean b) {
            return b ? "t" : "f";
        }
        if (v instanceof BigDecimal d) {
            return d.toPlainString();
        }
        if (v instanceof byte[] bytes) {
            return "\\x" + ByteBufUtil.hexDump(bytes);
        }
        return v.toString();   // numbers, UUID and java.time print in forms PostgreSQL reads (ISO 8601)
    }

    int[] oids() {
        return oids.clone();
    }

    /** Fresh buffers for one Bind message, which releases them once written. */
    List<ByteBuf> encode(ByteBufAllocator alloc) {
        List<ByteBuf> out = new ArrayList<>(texts.length);
        for (String t : texts) {
            out.add(t == null ? Bind.NULL_VALUE : ByteBufUtil.writeUtf8(alloc, t));
        }
        return out;
    }

    int size() {
        return texts.length;
    }

    @Override
    public String toString() {
        return "TextParameters" + Arrays.toString(oids);   // never the values
    }
}
