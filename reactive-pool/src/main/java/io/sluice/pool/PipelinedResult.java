package io.sluice.pool;

import io.netty.buffer.Unpooled;
import io.r2dbc.postgresql.codec.Codecs;
import io.r2dbc.postgresql.message.backend.RowDescription;
import io.r2dbc.spi.ColumnMetadata;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Row;
import io.r2dbc.spi.RowMetadata;
import io.r2dbc.spi.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The whole result of one pipelined statement, read off the shared connection as it arrived (a shared
 * connection never waits for a slow subscriber). Values are decoded on access with r2dbc-postgresql's
 * public codecs, so a column reads as the same Java type as on a connection of its own.
 */
final class PipelinedResult implements Result {

    private final List<RowDescription.Field> fields;
    private final List<byte[][]> rows;
    private final @Nullable Long rowsUpdated;
    private final Codecs codecs;
    private final Metadata metadata;

    PipelinedResult(List<RowDescription.Field> fields, List<byte[][]> rows, @Nullable Long rowsUpdated, Codecs codecs) {
        this.fields = fields;
        this.rows = rows;
        this.rowsUpdated = rowsUpdated;
        this.codecs = codecs;
        this.metadata = new Metadata();
    }

    @Override
    public Mono<Long> getRowsUpdated() {
        return Mono.justOrEmpty(rowsUpdated);
    }

    @Override
    public <T> Flux<T> map(BiFunction<Row, RowMetadata, ? extends T> mapping) {
        return Flux.fromIterable(rows).map(r -> mapping.apply(new PgRow(r), metadata));
    }

    @Override
    public <T> Flux<T> map(Function<? super io.r2dbc.spi.Readable, ? extends T> mapping) {
        return Flux.fromIterable(rows).map(r -> mapping.apply(new PgRow(r)));
    }

    @Override
    public Result filter(Predicate<Segment> filter) {
        throw new UnsupportedOperationException("a shared statement's result is read with map() or getRowsUpdated()");
    }

    @Override
    public <T> Publisher<T> flatMap(Function<Segment, ? extends Publisher<? extends T>> mapping) {
        return Flux.error(new UnsupportedOperationException("a shared statement's result is read with map() or getRowsUpdated()"));
    }

    private int index(String name) {
        for (int i = 0; i < fields.size(); i++) {
            if (fields.get(i).getName().equalsIgnoreCase(name)) {
                return i;
            }
        }
        throw new NoSuchElementException("the result has no column named '" + name + "' (it has " + names() + ")");
    }

    private List<String> names() {
        List<String> names = new ArrayList<>(fields.size());
        fields.forEach(f -> names.add(f.getName()));
        return names;
    }

    private RowDescription.Field field(int index) {
        if (index < 0 || index >= fields.size()) {
            throw new IndexOutOfBoundsException("column index " + index + " is out of range: the result has " + fields.size()
                    + " columns, numbered from 0");
        }
        return fields.get(index);
    }

    private final class PgRow implements Row {

        private final byte[][] values;

        PgRow(byte[][] values) {
            this.values = values;
        }

        @Override
        public RowMetadata getMetadata() {
            return metadata;
        }

        @Override
        public <T> @Nullable T get(int index, Class<T> type) {
            RowDescription.Field f = field(index);
            byte[] v = values[index];
            if (v == null) {
                return null;
            }
            Class<?> wanted = type == Object.class ? codecs.preferredType(f.getDataType(), f.getFormat()) : type;
            Object value = codecs.decode(Unpooled.wrappedBuffer(v), f.getDataType(), f.getFormat(), wanted == null ? type : wanted);
            return type.cast(value);
        }

        @Override
        public <T> @Nullable T get(String name, Class<T> type) {
            return get(index(name), type);
        }
    }

    private final class Metadata implements RowMetadata {

        @Override
        public ColumnMetadata getColumnMetadata(int index) {
            return column(field(index));
        }

        @Override
        public ColumnMetadata getColumnMetadata(String name) {
            return column(fields.get(index(name)));
        }

        @Override
        public List<? extends ColumnMetadata> getColumnMetadatas() {
            List<ColumnMetadata> all = new ArrayList<>(fields.size());
            fields.forEach(f -> all.add(column(f)));
            return all;
        }

        @Override
        public boolean contains(String name) {
            return fields.stream().anyMatch(f -> f.getName().equalsIgnoreCase(name));
        }

        private ColumnMetadata column(RowDescription.Field f) {
            Class<?> java = codecs.preferredType(f.getDataType(), f.getFormat());
            Type type = new Type() {
                @Override
                public Class<?> getJavaType() {
                    return java == null ? Object.class : java;
                }

                @Override
                public String getName() {
                    return "oid " + f.getDataType();
                }
            };
            return new ColumnMetadata() {
                @Override
                public Type getType() {
                    return type;
                }

                @Override
                public String getName() {
                    return f.getName();
                }
            };
        }
    }

    @Override
    public String toString() {
        return "PipelinedResult[columns=" + names().toString().toLowerCase(Locale.ROOT) + ", rows=" + rows.size() + "]";
    }
}
