package dev.sparsestream.core.patches;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Builds the natural-image patch dataset from a folder of photos as docs/method.md describes: images in a
 * seeded random permutation, cycled over as often as needed, in batches of 250; each resized so the
 * shorter side is 256 (Pillow's antialiased bilinear), a random 52 x 52 crop, grey (Pillow's L), x =
 * (v / 255 - 0.457) / 0.259, LCN over the batch ({@link Lcn}), and the patches whose pixel std is at
 * least 0.5 kept, until train + val + test are kept (the first train are train, and so on).
 *
 * <p>Unreadable or corrupt files are skipped (and left out of later cycles), counted, and the first few
 * named; a folder without one usable image is an error. Small folders (up to {@link #CACHE_IMAGES}
 * images) keep their resized images in memory, since each is cropped many times; large ones (ImageNet)
 * decode each visit. Images of a batch are decoded in parallel; crops are drawn in order from one seeded
 * generator, so the result depends only on the files and the seed.
 */
public final class PatchBuilder {
    public static final int BATCH = 250;
    public static final int SHORTER_SIDE = 256;
    public static final double GREY_MEAN = 0.457;
    public static final double GREY_STD = 0.259;
    public static final double MIN_PIXEL_STD = 0.5;
    /** Folders up to this many images keep their resized images (at most ~300 KB each) in memory. */
    public static final int CACHE_IMAGES = 4096;
    /** Giving up when this many crops in a row were all rejected. */
    static final int MAX_FRUITLESS_CROPS = 100_000;
    /** Uncached images are decoded this many at a time (the originals of a batch could be gigabytes). */
    static final int CHUNK = 32;
    /** How many skipped files are named in the summary. */
    public static final int NAMED_FAILURES = 5;

    /** What to build. */
    public record Config(Path images, int train, int val, int test, long seed) {
        public Config {
            if (train < 1 || val < 0 || test < 0) {
                throw new IllegalArgumentException("need at least one training patch and non-negative counts, got --train "
                        + train + " --val " + val + " --test " + test);
            }
        }

        public int total() {
            return train + val + test;
        }
    }

    /** Progress, called on the building thread after each batch. */
    @FunctionalInterface
    public interface Progress {
        void update(long imagesRead, int patchesKept, int patchesWanted);

        Progress NONE = (r, k, w) -> { };
    }

    /** What was built, and how it went. */
    public record Result(PatchFile.Header header, PatchFile.Patches patches, int files, long cropsTried,
                         List<String> failures, long failureCount) {
    }

    private PatchBuilder() {
    }

    /** The JPEG and PNG files under {@code dir}, recursively (ImageNet's class folders too), sorted by path. */
    public static List<Path> imageFiles(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("no folder " + dir);
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).filter(p -> {
                String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                return n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".png");
            }).sorted().toList();
        }
    }

    public static Result build(Config c, Progress progress) throws IOException {
        List<Path> files = imageFiles(c.images());
        return build(c, progress, files, files.size() <= CACHE_IMAGES);
    }

    /** With the choice of keeping resized images made by the caller (the result is the same either way). */
    static Result build(Config c, Progress progress, List<Path> files, boolean cache) throws IOException {
        if (files.isEmpty()) {
            throw new IOException("no JPEG or PNG files under " + c.images());
        }
        Random rng = new Random(c.seed());
        List<Integer> order = new ArrayList<>(IntStream.range(0, files.size()).boxed().toList());
        Collections.shuffle(order, rng);
        Map<Integer, RgbImage> resized = new HashMap<>();
        boolean[] bad = new boolean[files.size()];
        List<String> failures = new ArrayList<>();
        long failureCount = 0;

        int need = c.total();
        int d = PatchFile.D;
        float[] x = new float[need * d];
        float[] mean = new float[need * d];
        float[] std = new float[need * d];
        int kept = 0;
        long imagesRead = 0;
        long crops = 0;
        long fruitless = 0;
        int cursor = 0;

        float[] batchCrops = new float[BATCH * Lcn.CROP * Lcn.CROP];
        float[] bp = new float[BATCH * d];
        float[] bm = new float[BATCH * d];
        float[] bs = new float[BATCH * d];
        Lcn.Workspace ws = new Lcn.Workspace();
        float[] lut = new float[256];
        for (int v = 0; v < 256; v++) {
            lut[v] = (float) ((v / 255.0 - GREY_MEAN) / GREY_STD);
        }

        while (kept < need) {
            // The next BATCH usable images of the permutation, cycling.
            int[] batch = new int[BATCH];
            int n = 0;
            if (failureCount == files.size()) {
                throw new IOException("no usable image among the " + files.size() + " files under " + c.images()
                        + "; first failures: " + String.join("; ", failures));
            }
            while (n < BATCH) {
                int f = order.get(cursor);
                cursor = (cursor + 1) % order.size();
                if (!bad[f]) {
                    batch[n++] = f;
                }
            }
            // In chunks, so that at most CHUNK decoded originals are held when images are not cached.
            int count = 0;
            for (int from = 0; from < BATCH; from += cache ? BATCH : CHUNK) {
                int[] part = Arrays.copyOfRange(batch, from, Math.min(BATCH, from + (cache ? BATCH : CHUNK)));
                Loaded[] images = load(files, part, cache ? resized : null);
                List<Crop> windows = new ArrayList<>(part.length);
                for (int i = 0; i < part.length; i++) {
                    RgbImage im = images[i].image();
                    if (im == null) {
                        int f = part[i];
                        if (!bad[f]) {
                            bad[f] = true;
                            failureCount++;
                            if (failures.size() < NAMED_FAILURES) {
                                failures.add(images[i].failure());
                            }
                        }
                        continue;
                    }
                    imagesRead++;
                    // Cached images are resized already; others are resized only where they are cropped.
                    int[] size = cache ? new int[] {im.width(), im.height()}
                            : RgbImage.shorterSideSize(im.width(), im.height(), SHORTER_SIDE);
                    int top = rng.nextInt(size[1] - Lcn.CROP + 1);
                    int left = rng.nextInt(size[0] - Lcn.CROP + 1);
                    windows.add(new Crop(im, size, left, top, count++));
                }
                windows.parallelStream().forEach(cr -> {
                    int[] grey = new int[Lcn.CROP * Lcn.CROP];
                    if (cache) {
                        cr.image().greyWindow(cr.left(), cr.top(), Lcn.CROP, grey, 0);
                    } else {
                        cr.image().resizedWindow(cr.size()[0], cr.size()[1], cr.left(), cr.top(), Lcn.CROP)
                                .greyWindow(0, 0, Lcn.CROP, grey, 0);
                    }
                    int o = cr.slot() * Lcn.CROP * Lcn.CROP;
                    for (int k = 0; k < grey.length; k++) {
                        batchCrops[o + k] = lut[grey[k]];
                    }
                });
            }
            if (count == 0) {
                continue; // every image of this batch failed; the loop checks whether any is left
            }
            Lcn.apply(batchCrops, count, bp, bm, bs, ws);
            crops += count;
            int before = kept;
            for (int i = 0; i < count && kept < need; i++) {
                if (Lcn.pixelStd(bp, i) >= MIN_PIXEL_STD) {
                    System.arraycopy(bp, i * d, x, kept * d, d);
                    System.arraycopy(bm, i * d, mean, kept * d, d);
                    System.arraycopy(bs, i * d, std, kept * d, d);
                    kept++;
                }
            }
            fruitless = kept > before ? 0 : fruitless + count;
            if (fruitless >= MAX_FRUITLESS_CROPS) {
                throw new IOException("no patch of the last " + fruitless + " crops had pixel std >= " + MIN_PIXEL_STD
                        + " (kept " + kept + " of " + need + "): the images under " + c.images() + " are too flat");
            }
            progress.update(imagesRead, kept, need);
        }
        PatchFile.Header header = new PatchFile.Header(Lcn.PATCH, c.train(), c.val(), c.test(), c.seed(),
                c.images().toString(), imagesRead, failureCount, GREY_MEAN, GREY_STD, MIN_PIXEL_STD);
        return new Result(header, new PatchFile.Patches(need, x, mean, std), files.size(), crops, List.copyOf(failures),
                failureCount);
    }

    /** Images of a batch (resized when cached), decoded in parallel (each file once), or why a file cannot be used. */
    private static Loaded[] load(List<Path> files, int[] batch, Map<Integer, RgbImage> cache) {
        Loaded[] out = new Loaded[batch.length];
        List<Integer> missing = new ArrayList<>();
        for (int i = 0; i < batch.length; i++) {
            RgbImage hit = cache == null ? null : cache.get(batch[i]);
            if (hit != null) {
                out[i] = new Loaded(hit, null);
            } else if (!missing.contains(batch[i])) {
                missing.add(batch[i]);
            }
        }
        Map<Integer, Loaded> loaded = new HashMap<>();
        missing.parallelStream().forEach(f -> {
            Loaded im = decode(files.get(f), cache != null);
            synchronized (loaded) {
                loaded.put(f, im);
            }
        });
        for (int i = 0; i < batch.length; i++) {
            if (out[i] == null) {
                out[i] = loaded.get(batch[i]);
            }
        }
        if (cache != null) {
            loaded.forEach((f, im) -> {
                if (im.image() != null) {
                    cache.put(f, im.image());
                }
            });
        }
        return out;
    }

    /** Where a batch's image is cropped, and which of the batch's crops it gives. */
    private record Crop(RgbImage image, int[] size, int left, int top, int slot) {
    }

    /** A file's image (resized when cached, else as decoded), or why it cannot be used. */
    private record Loaded(RgbImage image, String failure) {
    }

    private static Loaded decode(Path file, boolean resize) {
        try {
            RgbImage im = RgbImage.read(file);
            return new Loaded(resize ? im.resizeShorterSide(SHORTER_SIDE) : im, null);
        } catch (IOException | RuntimeException e) {
            return new Loaded(null, e.getMessage() != null ? e.getMessage() : file + ": " + e);
        }
    }
}
