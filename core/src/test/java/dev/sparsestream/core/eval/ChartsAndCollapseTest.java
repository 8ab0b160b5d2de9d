package dev.sparsestream.core.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparsestream.core.model.Family;
import dev.sparsestream.core.model.Presets;
import dev.sparsestream.core.tensor.Matrix;
import dev.sparsestream.core.viz.Charts;
import dev.sparsestream.core.viz.ImageGrid;
import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChartsAndCollapseTest {

    @Test
    void chartsRenderWithLogAxesAndSitSideBySide() {
        Charts.Spec spec = new Charts.Spec("error", "samples per class", "top-1 error (%)", true, false, List.of(
                new Charts.Series("a", new double[] {1, 10, 100}, new double[] {50, 20, 10}, new double[] {2, 1, 0.5},
                        Charts.Style.SOLID),
                new Charts.Series("b", new double[] {1, 10, 100}, new double[] {60, 30, 12}, null, Charts.Style.DASHED)));
        BufferedImage one = Charts.render(spec, 400, 300);
        assertEquals(400, one.getWidth());
        assertEquals(300, one.getHeight());
        // drawn: not a blank canvas
        int first = one.getRGB(0, 0);
        boolean varied = false;
        for (int y = 0; y < 300 && !varied; y += 3) {
            for (int x = 0; x < 400; x += 3) {
                if (one.getRGB(x, y) != first) {
                    varied = true;
                    break;
                }
            }
        }
        assertTrue(varied);
        BufferedImage two = Charts.sideBySide(List.of(one, Charts.render(spec, 300, 200)));
        assertEquals(700, two.getWidth());
        assertEquals(300, two.getHeight());
        byte[] png = ImageGrid.png(two);
        assertTrue(png.length > 1000);
        assertThrows(IllegalArgumentException.class, () -> new Charts.Series("x", new double[2], new double[3], null,
                Charts.Style.SOLID));
    }

    @Test
    void seriesGivenAColourAreDrawnInIt() {
        java.awt.Color c = Charts.colour(3);
        assertEquals(Charts.colour(3 + 8), c, "the palette cycles");
        for (boolean given : new boolean[] {true, false}) {
            Charts.Spec spec = new Charts.Spec("t", "x", "y", false, false, List.of(new Charts.Series("s",
                    new double[] {0, 1, 2}, new double[] {0, 1, 0}, null, Charts.Style.MARKERS, given ? c : null)));
            BufferedImage img = Charts.render(spec, 300, 200);
            int count = 0;
            for (int y = 0; y < 200; y++) {
                for (int x = 0; x < 300; x++) {
                    count += (img.getRGB(x, y) & 0xffffff) == (c.getRGB() & 0xffffff) ? 1 : 0;
                }
            }
            assertEquals(given, count > 20, "pixels in the series' colour: " + count);
        }
    }

    @Test
    void ablationDropsOnlyTheHinge() {
        var vdl = Presets.mnist(Family.VDL);
        var ablation = Collapse.withoutVarianceRegularisation(vdl);
        assertEquals(0.0, ablation.beta());
        var back = ablation.toBuilder();
        back.beta = vdl.beta();
        assertEquals(vdl, back.build());
    }

    @Test
    void meanColumnNormIsTheMeanOfColumnNorms() {
        Matrix m = Matrix.of(2, 3, new float[] {3, 0, 1, 4, 0, 1});
        assertEquals((5 + 0 + Math.sqrt(2)) / 3, Collapse.meanColumnNorm(m), 1e-6);
    }
}
