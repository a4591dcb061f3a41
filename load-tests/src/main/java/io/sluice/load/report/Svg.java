package io.sluice.load.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Inline SVG charts, so the HTML report needs no script and no network: line charts (linear or log axes,
 * shaded spans for warm-ups) and horizontal bar charts.
 */
final class Svg {

    static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
            "#17becf", "#7f7f7f", "#bcbd22"};

    private static final int W = 760;
    private static final int H = 300;
    private static final int LEFT = 64;
    private static final int RIGHT = 180;
    private static final int TOP = 28;
    private static final int BOTTOM = 40;

    /** One line: its label, colour and (x, y) points; NaN or infinite y values break the line. */
    record Line(String label, String color, List<double[]> points, boolean dashed) {
    }

    /** An axis: linear or log10, with an optional custom tick labeller. */
    record Axis(String label, boolean log, java.util.function.DoubleFunction<String> ticks) {
        static Axis linear(String label) {
            return new Axis(label, false, null);
        }

        static Axis log(String label) {
            return new Axis(label, true, null);
        }
    }

    private Svg() {
    }

    static String color(int i) {
        return COLORS[Math.floorMod(i, COLORS.length)];
    }

    static String lines(String title, Axis x, Axis y, List<Line> lines, List<double[]> shaded) {
        double xmin = Double.POSITIVE_INFINITY;
        double xmax = Double.NEGATIVE_INFINITY;
        double ymin = Double.POSITIVE_INFINITY;
        double ymax = Double.NEGATIVE_INFINITY;
        for (Line l : lines) {
            for (double[] p : l.points()) {
                if (!usable(p[0], x.log()) || !usable(p[1], y.log())) {
                    continue;
                }
                xmin = Math.min(xmin, p[0]);
                xmax = Math.max(xmax, p[0]);
                ymin = Math.min(ymin, p[1]);
                ymax = Math.max(ymax, p[1]);
            }
        }
        StringBuilder sb = open(title);
        if (xmin > xmax) {
            sb.append(text(W / 2.0, H / 2.0, "no data", "middle", 13)).append("</svg>");
            return sb.toString();
        }
        if (!y.log()) {
            ymin = Math.min(0, ymin);
        }
        if (xmax == xmin) {
            xmax = xmin + 1;
        }
        if (ymax == ymin) {
            ymax = y.log() ? ymin * 10 : ymin + 1;
        }
        Scale sx = new Scale(xmin, xmax, LEFT, W - RIGHT, x.log());
        Scale sy = new Scale(ymin, y.log() ? ymax : ymax * 1.05, H - BOTTOM, TOP, y.log());
        for (double[] span : shaded) {
            double a = sx.map(Math.max(xmin, span[0]));
            double b = sx.map(Math.min(xmax, span[1]));
            if (b > a) {
                sb.append(String.format(Locale.ROOT, "<rect x='%.1f' y='%d' width='%.1f' height='%d' fill='#eee'/>",
                        a, TOP, b - a, H - TOP - BOTTOM));
                sb.append(text(a + 3, TOP + 12, "warm-up", "start", 10));
            }
        }
        axes(sb, sx, sy, x, y);
        int i = 0;
        for (Line l : lines) {
            StringBuilder path = new StringBuilder();
            boolean pen = false;
            for (double[] p : l.points()) {
                if (!usable(p[0], x.log()) || !usable(p[1], y.log())) {
                    pen = false;
                    continue;
                }
                path.append(pen ? " L" : " M").append(String.format(Locale.ROOT, "%.1f,%.1f", sx.map(p[0]), sy.map(p[1])));
                pen = true;
            }
            sb.append("<path fill='none' stroke-width='1.8' stroke='").append(l.color()).append("'")
                    .append(l.dashed() ? " stroke-dasharray='5,3'" : "").append(" d='").append(path).append("'/>");
            double ly = TOP + 14 + i * 16;
            sb.append(String.format(Locale.ROOT, "<line x1='%d' y1='%.1f' x2='%d' y2='%.1f' stroke='%s' stroke-width='2'%s/>",
                    W - RIGHT + 10, ly - 4, W - RIGHT + 28, ly - 4, l.color(), l.dashed() ? " stroke-dasharray='5,3'" : ""));
            sb.append(text(W - RIGHT + 32, ly, l.label(), "start", 11));
            i++;
        }
        return sb.append("</svg>").toString();
    }

    /** Horizontal bars, one per label, with the value printed at the end of each bar. */
    static String bars(String title, String unit, List<String> labels, List<Double> values, List<String> colors) {
        int rowH = 22;
        int h = TOP + labels.size() * rowH + 20;
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' viewBox='0 0 %d %d' role='img'>", W, h, W, h));
        sb.append("<title>").append(HtmlReport.esc(title)).append("</title>");
        sb.append(text(10, 18, title, "start", 14));
        double max = values.stream().mapToDouble(Double::doubleValue).max().orElse(1);
        int labelW = 150;
        for (int i = 0; i < labels.size(); i++) {
            double v = values.get(i);
            double w = max <= 0 ? 0 : (W - labelW - 120) * v / max;
            double y = TOP + i * rowH;
            sb.append(text(labelW - 6, y + 14, labels.get(i), "end", 12));
            sb.append(String.format(Locale.ROOT, "<rect x='%d' y='%.1f' width='%.1f' height='%d' fill='%s'/>", labelW, y + 2, w,
                    rowH - 6, colors.get(i)));
            sb.append(text(labelW + w + 6, y + 14, fmt(v) + " " + unit, "start", 11));
        }
        return sb.append("</svg>").toString();
    }

    private static StringBuilder open(String title) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' viewBox='0 0 %d %d' role='img'>", W, H, W, H));
        sb.append("<title>").append(HtmlReport.esc(title)).append("</title>");
        sb.append(text(LEFT, 18, title, "start", 14));
        return sb;
    }

    private static void axes(StringBuilder sb, Scale sx, Scale sy, Axis x, Axis y) {
        sb.append(String.format(Locale.ROOT, "<rect x='%d' y='%d' width='%d' height='%d' fill='none' stroke='#999'/>",
                LEFT, TOP, W - RIGHT - LEFT, H - TOP - BOTTOM));
        for (double t : sx.ticks()) {
            double px = sx.map(t);
            sb.append(String.format(Locale.ROOT, "<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' stroke='#ddd'/>", px, TOP, px, H - BOTTOM));
            sb.append(text(px, H - BOTTOM + 14, x.ticks() != null ? x.ticks().apply(t) : fmt(t), "middle", 10));
        }
        for (double t : sy.ticks()) {
            double py = sy.map(t);
            sb.append(String.format(Locale.ROOT, "<line x1='%d' y1='%.1f' x2='%d' y2='%.1f' stroke='#ddd'/>", LEFT, py, W - RIGHT, py));
            sb.append(text(LEFT - 4, py + 3, y.ticks() != null ? y.ticks().apply(t) : fmt(t), "end", 10));
        }
        sb.append(text((LEFT + W - RIGHT) / 2.0, H - 6, x.label(), "middle", 11));
        sb.append(String.format(Locale.ROOT, "<text x='14' y='%.1f' font-size='11' text-anchor='middle' "
                + "transform='rotate(-90 14 %.1f)'>%s</text>", (TOP + H - BOTTOM) / 2.0, (TOP + H - BOTTOM) / 2.0, HtmlReport.esc(y.label())));
    }

    private static boolean usable(double v, boolean log) {
        return !Double.isNaN(v) && !Double.isInfinite(v) && (!log || v > 0);
    }

    static String text(double x, double y, String s, String anchor, int size) {
        return String.format(Locale.ROOT, "<text x='%.1f' y='%.1f' font-size='%d' text-anchor='%s'>%s</text>", x, y, size,
                anchor, HtmlReport.esc(s));
    }

    static String fmt(double v) {
        double a = Math.abs(v);
        if (a == 0) {
            return "0";
        }
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 1) {
            return String.format(Locale.ROOT, "%.3g", v).replaceAll("\\.?0+$", "");
        }
        return String.format(Locale.ROOT, "%.2g", v);
    }

    /** Maps data to pixels on a linear or log10 axis and picks ticks at 1, 2, 5 x 10^n. */
    record Scale(double min, double max, double from, double to, boolean log) {
        double map(double v) {
            double a = log ? Math.log10(min) : min;
            double b = log ? Math.log10(max) : max;
            double x = log ? Math.log10(v) : v;
            return from + (x - a) / (b - a) * (to - from);
        }

        List<Double> ticks() {
            List<Double> out = new ArrayList<>();
            if (log) {
                // 1, 2, 5 per decade over a short range; decades only over a long one
                int[] steps = Math.log10(max / min) > 3 ? new int[]{1} : new int[]{1, 2, 5};
                for (int e = (int) Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
                    for (int m : steps) {
                        double v = m * Math.pow(10, e);
                        if (v >= min && v <= max) {
                            out.add(v);
                        }
                    }
                }
                return out;
            }
            double raw = (max - min) / 6;
            double mag = Math.pow(10, Math.floor(Math.log10(raw)));
            double step = raw / mag < 1.5 ? mag : raw / mag < 3.5 ? 2 * mag : raw / mag < 7.5 ? 5 * mag : 10 * mag;
            for (double v = Math.ceil(min / step) * step; v <= max + 1e-9; v += step) {
                out.add(Math.abs(v) < 1e-12 ? 0 : v);
            }
            return out;
        }
    }
}
