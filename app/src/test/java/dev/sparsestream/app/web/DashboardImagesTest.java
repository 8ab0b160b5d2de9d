package dev.sparsestream.app.web;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sparsestream.core.data.Dataset;
import dev.sparsestream.core.data.PixelMaps;
import dev.sparsestream.core.model.Family;
import dev.sparsestream.core.model.ModelConfig;
import dev.sparsestream.core.model.Presets;
import dev.sparsestream.core.model.SparseAutoencoder;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** Pictures of patches are drawn in pixel space through each patch's own maps. */
public class DashboardImagesTest {
    @Test
    void patchInputsAreDrawnThroughTheirOwnMaps() throws Exception {
        int n = 12;
        int d = 784;
        float[] x = new float[n * d];
        float[] scale = new float[n * d];
        float[] offset = new float[n * d];
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < d; p++) {
                x[i * d + p] = (p % 28) / 27f - 0.5f;     // a ramp along each row
                scale[i * d + p] = 0.1f + 0.05f * i;      // every patch its own contrast ...
                offset[i * d + p] = 0.3f + 0.02f * i;     // ... and brightness
            }
        }
        Dataset patches = new Dataset("patches", x, n, d, null, new PixelMaps(scale, offset, n, d));
        ModelConfig.Builder b = Presets.patches(Family.SDL).toBuilder();
        b.codeDim = 8;
        ModelConfig config = b.build();
        DashboardImages images = new DashboardImages(config, patches);
        SparseAutoencoder model = SparseAutoencoder.initialise(config);
        BufferedImage pair = ImageIO.read(new ByteArrayInputStream(images.render(model.exportWeights(3)).reconstructions()));
        for (int i : new int[] {0, 4, 9}) {
            int x0 = 2 + i * 58;
            // pixel (0, 0): x = -0.5; pixel (0, 27): x = 0.5
            assertEquals(Math.round(255 * ((0.1 + 0.05 * i) * -0.5 + 0.3 + 0.02 * i)), pair.getRaster().getSample(x0, 2, 0));
            assertEquals(Math.round(255 * ((0.1 + 0.05 * i) * 0.5 + 0.3 + 0.02 * i)),
                    pair.getRaster().getSample(x0 + 27 * 2, 2, 0));
        }
    }
}
