package io.sluice.pool;

import io.netty.buffer.ByteBufUtil;
import io.netty.util.ReferenceCountUtil;
import io.r2dbc.postgresql.message.backend.BackendMessage;
import io.r2dbc.postgresql.message.backend.CommandComplete;
import io.r2dbc.postgresql.message.backend.DataRow;
import io.r2dbc.postgresql.message.backend.ErrorResponse;
import io.r2dbc.postgresql.message.backend.PortalSuspended;
import io.r2dbc.postgresql.message.backend.ReadyForQuery;
import io.r2dbc.postgresql.message.backend.RowDescription;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;

/**
 * Reads one batch of statements to its end, with unbounded demand (the shared connection never buffers for
 * a slow caller): each statement's messages up to its ReadyForQuery are its own, in the batch's order. The
 * client ends the exchange on the last statement's ReadyForQuery without emitting it.
 */
final class BatchReader extends BaseSubscriber<BackendMessage> {

    private final PipelinedConnection connection;
    private final List<PipelinedConnection.Exchange> batch;
    /** The statement whose messages arrive now; only the client's delivering thread touches it. */
    private volatile int current;

    BatchReader(PipelinedConnection connection, List<PipelinedConnection.Exchange> batch) {
        this.connection = connection;
        this.batch = batch;
    }

    /** The client's end of the exchange: the ReadyForQuery of the batch's last statement. */
    boolean endsWith(BackendMessage m) {
        return m instanceof ReadyForQuery && current == batch.size() - 1;
    }

    @Override
    protected void hookOnSubscribe(Subscription s) {
        s.request(Long.MAX_VALUE);
    }

    @Override
    protected void hookOnNext(BackendMessage m) {
        int i = current;
        if (i >= batch.size()) {
            ReferenceCountUtil.release(m);
            return;
        }
        PipelinedConnection.Exchange e = batch.get(i);
        try {
            if (m instanceof DataRow row) {
                io.netty.buffer.ByteBuf[] columns = row.getColumns();
                byte[][] copy = new byte[columns.length][];
                for (int c = 0; c < columns.length; c++) {
                    copy[c] = columns[c] == null ? null : ByteBufUtil.getBytes(columns[c]);
                }
                e.rows.add(copy);
            } else if (m instanceof RowDescription d) {
                e.fields = d.getFields();
            } else if (m instanceof CommandComplete c) {
                e.rowsUpdated = c.getRows();
            } else if (m instanceof PortalSuspended) {
                e.suspended = true;
            } else if (m instanceof ErrorResponse r) {
                e.error = ServerError.of(r, e.sql);
            }
        } finally {
            ReferenceCountUtil.release(m);
        }
        if (m instanceof ReadyForQuery) {
            current = i + 1;
            connection.ended(e, null);
        }
    }

    @Override
    protected void hookOnComplete() {
        // the client completes the exchange on the last ReadyForQuery, which it does not emit
        int last = batch.size() - 1;
        if (current == last) {
            current = batch.size();
            connection.ended(batch.get(last), null);
        }
        failRest(null);
    }

    @Override
    protected void hookOnError(Throwable t) {
        failRest(t);
    }

    private void failRest(@Nullable Throwable t) {
        for (int i = current; i < batch.size(); i++) {
            connection.ended(batch.get(i), t != null ? t : new IllegalStateException("the exchange ended before this statement's answer"));
        }
        current = batch.size();
    }
}
