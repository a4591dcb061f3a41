package io.sluice.pool;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.r2dbc.spi.Connection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Mono;

/**
 * One lane's borrowing: while its own pool is exhausted, it takes idle connections of the lanes that lend
 * to it, above each lender's reserve. A borrowed connection runs with the borrower's timeouts,
 * {@code application_name} and session settings ({@code SET} on borrow) and goes back to its lender with
 * its own restored ({@code RESET}: its startup values) as soon as it is released.
 */
final class Lending {

    private final LanePool borrower;
    private final List<Loan> loans;
    /** The borrower's own acquires still pending: with its leased connections, what its pool is asked for. */
    private final AtomicInteger pendingOwn = new AtomicInteger();

    Lending(LanePool borrower, List<Loan> loans) {
        this.borrower = borrower;
        this.loans = List.copyOf(loans);
    }

    /** Lending from one lane to another: connections above the lender's reserve. */
    static final class Loan {
        final LanePool lender;
        final AdmissionGate lenderGate;
        final int reserve;
        final AtomicInteger lentOut = new AtomicInteger();
        /**
         * Switches a lent connection to the borrower's settings, and back on return; both null through a pooler
         * in transaction mode, where each unit's BEGIN brings its own lane's settings and no session keeps any.
         */
        final @org.jspecify.annotations.Nullable String borrowSql;
        final @org.jspecify.annotations.Nullable String restoreSql;
        private final Counter borrowed;

        Loan(LanePool lender, AdmissionGate lenderGate, int reserve, LanePool borrower, MeterRegistry meters) {
            this.lender = lender;
            this.lenderGate = lenderGate;
            this.reserve = reserve;
            this.borrowed = meters.counter(SluiceMeters.BORROWED, "lane", borrower.lane().name(), "from", lender.lane().name());
            // session settings that differ: the borrower's value (or the server's default) while borrowed;
            // RESET gives the connection back its own lane's value, which it got at startup
            Map<String, String> mine = lender.config().sessionSettings();
            Map<String, String> theirs = borrower.config().sessionSettings();
            SortedSet<String> differ = new TreeSet<>(mine.keySet());
            differ.addAll(theirs.keySet());
            differ.removeIf(k -> Objects.equals(mine.get(k), theirs.get(k)));
            StringBuilder borrow = new StringBuilder(borrower.borrowSql());
            StringBuilder restore = new StringBuilder(LaneConnections.RESTORE_SQL);
            for (String k : differ) {
                String v = theirs.get(k);
                borrow.append("; SET ").append(k).append(v == null ? " TO DEFAULT" : " = '" + v.replace("'", "''") + "'");
                restore.append("; RESET ").append(k);
            }
            this.borrowSql = lender.pooled() ? null : borrow.toString();
            this.restoreSql = lender.pooled() ? null : restore.toString();
        }

        /** Connections the lender can spare now: its size, less its own work, what is lent out and the reserve. */
        int lendable() {
            return Math.max(0, lender.maxSize() - lenderGate.inFlight() - lentOut.get() - reserve);
        }
    }

    /** Capacity the borrower's gate may count on: what its lenders can spare, and what they lent it already. */
    int borrowable() {
        int n = 0;
        for (Loan loan : loans) {
            n += loan.lendable() + loan.lentOut.get();   // what is lent now counts too: it runs admitted work
        }
        return n;
    }

    /** A connection: the borrower's own, or, while its pool is exhausted, a lender's. Cold. */
    Mono<Connection> acquire() {
        return Mono.defer(() -> {
            if (!borrower.isClosing() && borrower.leased() + pendingOwn.get() >= borrower.maxSize()) {
                for (Loan loan : loans) {
                    if (loan.lendable() > 0 && !loan.lender.isClosing()) {
                        return borrow(loan);
                    }
                }
            }
            pendingOwn.incrementAndGet();
            return borrower.acquire().doFinally(s -> pendingOwn.decrementAndGet());
        });
    }

    private Mono<Connection> borrow(Loan loan) {
        loan.lentOut.incrementAndGet();
        return loan.lender.acquire()
                .flatMap(c -> (loan.borrowSql == null ? Mono.<Void>empty() : LaneConnections.exec(c, loan.borrowSql))
                        .then(Mono.fromCallable(() -> {
                            ((LeasedConnection) c).loan = loan;
                            loan.borrowed.increment();
                            return c;
                        }))
                        .onErrorResume(e -> loan.lender.discard(c).onErrorResume(x -> Mono.empty()).then(Mono.error(e))))
                .doOnError(e -> loan.lentOut.decrementAndGet())
                .doOnCancel(() -> loan.lentOut.decrementAndGet());
    }

    /** Back to its own lane: a borrowed one with its own settings restored. */
    static Mono<Void> release(LanePool own, Connection c) {
        Loan loan = ((LeasedConnection) c).loan;
        if (loan == null) {
            return own.release(c);
        }
        return (loan.restoreSql == null ? Mono.<Void>empty() : LaneConnections.exec(c, loan.restoreSql))
                .then(Mono.defer(() -> loan.lender.release(c)))
                .onErrorResume(e -> loan.lender.discard(c))
                .doFinally(s -> loan.lentOut.decrementAndGet());
    }

    static Mono<Void> discard(LanePool own, Connection c) {
        Loan loan = ((LeasedConnection) c).loan;
        if (loan == null) {
            return own.discard(c);
        }
        return loan.lender.discard(c).doFinally(s -> loan.lentOut.decrementAndGet());
    }
}
