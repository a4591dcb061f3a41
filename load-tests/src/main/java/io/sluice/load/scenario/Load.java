package io.sluice.load.scenario;

import io.sluice.Lane;
import io.sluice.load.client.WorkSource;
import java.util.List;
import java.util.Locale;

/**
 * One source of load within a phase: its shape (open loop at a rate, closed loop at a concurrency, or
 * simulated users with think time), its lane, the series (operations) it produces and the work itself.
 */
public record Load(String name, Lane lane, Mode mode, double rate, int concurrency, int users, long thinkMs,
                   List<String> ops, WorkSource work) {

    /** How a load is generated. */
    public enum Mode { OPEN, CLOSED, USERS }

    public static Load open(String op, Lane lane, double rate, WorkSource work) {
        return new Load(op, lane, Mode.OPEN, rate, 0, 0, 0, List.of(op), work);
    }

    public static Load closed(String op, Lane lane, int concurrency, WorkSource work) {
        return new Load(op, lane, Mode.CLOSED, 0, concurrency, 0, 0, List.of(op), work);
    }

    public static Load users(String name, Lane lane, int users, long thinkMs, List<String> ops, WorkSource work) {
        return new Load(name, lane, Mode.USERS, 0, 0, users, thinkMs, List.copyOf(ops), work);
    }

    /** E.g. {@code open 200/s}, {@code closed x64}, {@code users 500, think 1000 ms}. */
    public String describe() {
        return switch (mode) {
            case OPEN -> String.format(Locale.ROOT, "open %.0f/s", rate);
            case CLOSED -> "closed x" + concurrency;
            case USERS -> "users " + users + ", think " + thinkMs + " ms";
        };
    }
}
