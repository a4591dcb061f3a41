package io.sluice.load.measure;

import io.sluice.Lane;
import io.sluice.load.client.DbClient;
import io.sluice.load.client.Work;
import io.sluice.load.client.WorkSource;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.function.BiConsumer;

/** A clock that moves only when told, and a client whose behaviour the test decides. */
final class Fakes {

    private Fakes() {
    }

    static final Work READ = Work.single("read", Lane.INTERACTIVE, new Work.Stmt("SELECT 1", Work.Shape.ONE, 1));
    static final WorkSource READS = r -> READ;

    static final class Clock implements NanoClock {
        long now = 1_000_000_000L;

        @Override
        public long nanoTime() {
            return now;
        }

        @Override
        public void parkUntil(long deadline) {
            now = Math.max(now, deadline);
        }

        void advanceMillis(long ms) {
            now += ms * 1_000_000L;
        }
    }

    /** Runs {@code behaviour} for each unit of work; the behaviour calls the completion when it likes. */
    static final class Client implements DbClient {
        final BiConsumer<Work, Completion> behaviour;

        Client(BiConsumer<Work, Completion> behaviour) {
            this.behaviour = behaviour;
        }

        /** Completes nothing until the test calls {@link Pending#completeOne}. */
        static Pending pending() {
            return new Pending();
        }

        @Override
        public void start() {
        }

        @Override
        public void execute(Work work, Completion done) {
            behaviour.accept(work, done);
        }

        @Override
        public List<PoolState> pools() {
            return List.of(new PoolState("fake", 4, 4, 1, 3, 0));
        }

        @Override
        public void close() {
        }
    }

    static final class Pending {
        final Deque<DbClient.Completion> waiting = new ArrayDeque<>();
        final Client client = new Client((w, done) -> {
            synchronized (this) {
                waiting.add(done);
            }
        });

        void completeOne(Throwable error) {
            DbClient.Completion c;
            synchronized (this) {
                c = waiting.poll();
            }
            c.done(error);
        }

        synchronized int size() {
            return waiting.size();
        }
    }
}
