package dev.sparsestream.core.viz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class ImageGridTest {

    @Test
    void eachTileIsStretchedToItsOwnRangeAndLaidOutInRows() throws Exception {
        float[][] tiles = {
                {0f, 1f, 2f, 3f},        // 2 x 2, min 0 max 3
                {-1f, -1f, -1f, 5f},     // min -1 max 5
                {2f, 2f, 2f, Float.NaN}, // constant but for padding: mid-grey
        };
        BufferedImage image = ImageGrid.render(tiles, 2, 2, 2, new ImageGrid.EachTile(), 1, 2);
        // 2 columns, 2 rows of tiles of 4 x 4 pixels with 1 pixel of padding
        assertEquals(1 + 2 * (4 + 1), image.getWidth());
        assertEquals(1 + 2 * (4 + 1), image.getHeight());
        var r = image.getRaster();
        assertEquals(0, r.getSample(1, 1, 0));           // tile 0, pixel (0, 0) = 0 -> black
        assertEquals(0, r.getSample(2, 2, 0));           // zoomed: the same pixel
        assertEquals(85, r.getSample(3, 1, 0));          // pixel (0, 1) = 1 -> 255 / 3
        assertEquals(255, r.getSample(3, 3, 0));         // pixel (1, 1) = 3 -> white
        assertEquals(0, r.getSample(6, 1, 0));           // tile 1 starts at x = 1 + 4 + 1
        assertEquals(255, r.getSample(8, 3, 0));
        assertEquals(128, r.getSample(1, 6, 0));         // tile 2, second row: constant
        assertEquals(40, r.getSample(0, 0, 0));          // padding
        assertEquals(40, r.getSample(7, 7, 0));          // the empty fourth cell

        BufferedImage read = ImageIO.read(new ByteArrayInputStream(ImageGrid.png(image)));
        assertEquals(image.getWidth(), read.getWidth());
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                assertEquals(r.getSample(x, y, 0), read.getRaster().getSample(x, y, 0), "pixel " + x + "," + y);
            }
        }
    }

    @Test
    void aFixedRangeClipsAndIsSharedByAllTiles() {
        float[][] tiles = {{-1f, 0f, 0.5f, 2f}, {Float.NaN, 1f, 0.25f, 0.75f}};
        BufferedImage image = ImageGrid.render(tiles, 1, 4, 1, new ImageGrid.Range(0, 1), 0, 1);
        var r = image.getRaster();
        assertEquals(0, r.getSample(0, 0, 0));
        assertEquals(0, r.getSample(1, 0, 0));
        assertEquals(128, r.getSample(2, 0, 0));
        assertEquals(255, r.getSample(3, 0, 0));
        assertEquals(128, r.getSample(0, 1, 0)); // NaN
        assertEquals(255, r.getSample(1, 1, 0));
        assertEquals(64, r.getSample(2, 1, 0));
        assertEquals(191, r.getSample(3, 1, 0));
    }

    @Test
    void badArgumentsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> ImageGrid.render(new float[0][], 2, 2, 1,
                new ImageGrid.EachTile(), 0, 1));
        assertThrows(IllegalArgumentException.class, () -> ImageGrid.render(new float[][]{{1f, 2f, 3f}}, 2, 2, 1,
                new ImageGrid.EachTile(), 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new ImageGrid.Range(1, 1));
    }
}
