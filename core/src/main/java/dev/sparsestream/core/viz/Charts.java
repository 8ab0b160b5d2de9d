package dev.sparsestream.core.viz;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Line charts as images (XChart): error against samples per class, the sparsity-PSNR trade-off, code norms
 * over training. Several charts can be laid side by side in one picture.
 */
public final class Charts {
    private static final int MAX_MARKED_POINTS = 40;

    private Charts() {
    }

    /** How a series is drawn. */
    public enum Style { SOLID, DASHED, MARKERS }

    /** Distinct colours for series that belong together (a family's runs and its paper points). */
    private static final Color[] PALETTE = {new Color(31, 119, 180), new Color(255, 127, 14), new Color(44, 160, 44),
        new Color(214, 39, 40), new Color(148, 103, 189), new Color(140, 86, 75), new Color(227, 119, 194),
        new Color(127, 127, 127)};

    /** The i-th colour of a fixed palette (cycling), so that related series can share one. */
    public static Color colour(int i) {
        return PALETTE[Math.floorMod(i, PALETTE.length)];
    }

    /**
     * @param errorOrNull  half-lengths of error bars, one per point, or null
     * @param colourOrNull the series' colour, or null for the chart's next default colour
     */
    public record Series(String name, double[] x, double[] y, double[] errorOrNull, Style style, Color colourOrNull) {
        public Series(String name, double[] x, double[] y, double[] errorOrNull, Style style) {
            this(name, x, y, errorOrNull, style, null);
        }

        public Series {
            if (x.length != y.length || (errorOrNull != null && errorOrNull.length != x.length)) {
                throw new IllegalArgumentException("series " + name + ": " + x.length + " x values, " + y.length
                        + " y values" + (errorOrNull != null ? ", " + errorOrNull.length + " error bars" : ""));
            }
            if (x.length == 0) {
                throw new IllegalArgumentException("series " + name + " has no points");
            }
        }
    }

    public record Spec(String title, String xLabel, String yLabel, boolean logX, boolean logY, List<Series> series) {
        public Spec {
            if (series.isEmpty()) {
                throw new IllegalArgumentException("chart '" + title + "' has no series");
            }
            series = List.copyOf(series);
        }
    }

    public static BufferedImage render(Spec spec, int width, int height) {
        XYChart chart = new XYChartBuilder().width(width).height(height).title(spec.title())
                .xAxisTitle(spec.xLabel()).yAxisTitle(spec.yLabel()).build();
        var st = chart.getStyler();
        st.setChartBackgroundColor(Color.WHITE);
        st.setPlotBackgroundColor(Color.WHITE);
        st.setPlotGridLinesColor(new Color(225, 225, 225));
        st.setLegendPosition(Styler.LegendPosition.OutsideE);
        st.setXAxisLogarithmic(spec.logX());
        double xMin = spec.series().stream().flatMapToDouble(s -> java.util.Arrays.stream(s.x())).min().orElse(0);
        double xMax = spec.series().stream().flatMapToDouble(s -> java.util.Arrays.stream(s.x())).max().orElse(0);
        if (!spec.logX() && xMin > 0 && xMin < 0.05 * xMax) {
            st.setXAxisMin(0.0); // an axis that starts just above 0 (a trace from the first batch) gets round ticks from 0
        }
        st.setYAxisLogarithmic(spec.logY());
        st.setMarkerSize(6);
        st.setXAxisDecimalPattern(spec.logX() ? "0" : "0.##"); // XChart's default prints ticks like .0125
        st.setYAxisDecimalPattern("0.##");
        boolean errorBars = spec.series().stream().anyMatch(s -> s.errorOrNull() != null);
        st.setErrorBarsColorSeriesColor(true);
        for (Series s : spec.series()) {
            XYSeries xy = errorBars
                    ? chart.addSeries(s.name(), s.x(), s.y(), s.errorOrNull() != null ? s.errorOrNull() : new double[s.x().length])
                    : chart.addSeries(s.name(), s.x(), s.y());
            switch (s.style()) {
                case SOLID -> {
                    xy.setLineStyle(SeriesLines.SOLID);
                    xy.setMarker(SeriesMarkers.CIRCLE);
                }
                case DASHED -> {
                    xy.setLineStyle(SeriesLines.DASH_DASH);
                    xy.setMarker(SeriesMarkers.CIRCLE);
                }
                case MARKERS -> {
                    xy.setLineStyle(SeriesLines.NONE);
                    xy.setMarker(SeriesMarkers.DIAMOND);
                }
            }
            if (s.colourOrNull() != null) {
                xy.setLineColor(s.colourOrNull());
                xy.setMarkerColor(s.colourOrNull());
            }
            if (s.style() != Style.MARKERS && s.x().length > MAX_MARKED_POINTS) {
                xy.setMarker(SeriesMarkers.NONE); // a dense trace reads better as a plain line
            }
        }
        return BitmapEncoder.getBufferedImage(chart);
    }

    /** Images in rows of {@code perRow}, each row {@link #sideBySide}, the rows left-aligned one above the next. */
    public static BufferedImage grid(List<BufferedImage> images, int perRow) {
        if (perRow < 1) {
            throw new IllegalArgumentException("a grid needs at least 1 image per row, got " + perRow);
        }
        List<BufferedImage> rows = new java.util.ArrayList<>();
        for (int i = 0; i < images.size(); i += perRow) {
            rows.add(sideBySide(images.subList(i, Math.min(images.size(), i + perRow))));
        }
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("no images to lay out");
        }
        int width = rows.stream().mapToInt(BufferedImage::getWidth).max().orElseThrow();
        int height = rows.stream().mapToInt(BufferedImage::getHeight).sum();
        BufferedImage out = white(width, height);
        Graphics2D g = out.createGraphics();
        int y = 0;
        for (BufferedImage r : rows) {
            g.drawImage(r, 0, y, null);
            y += r.getHeight();
        }
        g.dispose();
        return out;
    }

    private static BufferedImage white(int width, int height) {
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.dispose();
        return out;
    }

    /** Images next to each other, top-aligned, on white. */
    public static BufferedImage sideBySide(List<BufferedImage> images) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("no images to lay out");
        }
        int width = images.stream().mapToInt(BufferedImage::getWidth).sum();
        int height = images.stream().mapToInt(BufferedImage::getHeight).max().orElseThrow();
        BufferedImage out = white(width, height);
        Graphics2D g = out.createGraphics();
        int x = 0;
        for (BufferedImage i : images) {
            g.drawImage(i, x, 0, null);
            x += i.getWidth();
        }
        g.dispose();
        return out;
    }
}
