package io.sluice.load.scenario;

import io.sluice.load.report.Model.ClientResult;
import io.sluice.load.report.Model.SeriesResult;
import io.sluice.load.report.Model.Target;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Looks figures up in client results, and formats targets. */
public final class Results {

    private Results() {
    }

    public static Optional<SeriesResult> series(List<ClientResult> results, String client, String segment, String series) {
        return results.stream().filter(c -> c.client().equals(client) && c.error() == null)
                .map(c -> c.series(segment, series)).filter(java.util.Objects::nonNull).findFirst();
    }

    public static double p99(SeriesResult s) {
        return s.latencyMs().get("success").p99();
    }

    public static double failureRate(SeriesResult s) {
        long all = s.outcomes().success() + s.outcomes().failures();
        return all == 0 ? 0 : (double) s.outcomes().failures() / all;
    }

    public static String fmt(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    /** A target that could not be judged because a figure is missing. */
    public static Target missing(String name, String description, String threshold, String what) {
        return new Target(name, description, null, "n/a", threshold, "not judged: " + what + " was not measured in this run");
    }
}
