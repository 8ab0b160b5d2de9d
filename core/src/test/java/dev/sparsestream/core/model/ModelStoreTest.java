package dev.sparsestream.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparsestream.core.io.Json;
import dev.sparsestream.core.io.Numpy;
import dev.sparsestream.core.tensor.Matrix;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelStoreTest {

    @TempDir
    Path tmp;

    // ---------------------------------------------------------------------------------- fixtures

    /** Initialised model with every parameter (biases too, which start at 0) set to distinct random values. */
    private static SparseAutoencoder randomised(ModelConfig c, long seed) {
        SparseAutoencoder m = SparseAutoencoder.initialise(c);
        Random rng = new Random(seed);
        for (Matrix p : m.parameters()) {
            for (int i = 0; i < p.size(); i++) {
                p.data().put(i, (float) rng.nextGaussian());
            }
        }
        return m;
    }

    private static ModelConfig smallNonLinear() {
        ModelConfig.Builder b = Presets.mnist(Family.SDL_NL).toBuilder();
        b.hiddenDim = 16;
        b.codeDim = 8;
        return b.build();
    }

    private static ModelConfig smallLinear(Family f) {
        ModelConfig.Builder b = Presets.mnist(f).toBuilder();
        b.codeDim = 8;
        b.dataDim = 12;
        return b.build();
    }

    private static void assertSameModel(SparseAutoencoder expected, SparseAutoencoder actual) {
        assertEquals(expected.config(), actual.config());
        assertEquals(expected.parameterNames(), actual.parameterNames());
        assertEquals(expected.hasEncoder(), actual.hasEncoder());
        List<Matrix> e = expected.parameters();
        List<Matrix> a = actual.parameters();
        assertEquals(e.size(), a.size());
        for (int i = 0; i < e.size(); i++) {
            String name = expected.parameterNames().get(i);
            assertEquals(e.get(i).rows(), a.get(i).rows(), name);
            assertEquals(e.get(i).cols(), a.get(i).cols(), name);
            // Arrays.equals on float[] compares bit patterns: exact equality.
            assertTrue(Arrays.equals(e.get(i).toArray(), a.get(i).toArray()), name + " differs after load");
        }
    }

    /** Writes an .npy with an arbitrary descr and raw data bytes. */
    private static void writeRawNpy(Path file, String descr, String shape, byte[] data) throws IOException {
        Files.write(file, dev.sparsestream.core.io.NpyBytes.of(descr, shape, data));
    }

    private static void writeFloatNpy(Path file, String shape, float[] values) throws IOException {
        ByteBuffer d = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            d.putFloat(v);
        }
        writeRawNpy(file, "<f4", shape, d.array());
    }

    /** The parts of an .npy the test parses itself: header dict text and the little-endian float data. */
    private record Npy(int major, int minor, String header, int dataOffset, byte[] bytes) {
        float value(int i) {
            return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getFloat(dataOffset + 4 * i);
        }

        int dataBytes() {
            return bytes.length - dataOffset;
        }
    }

    private static Npy parseNpy(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        assertEquals((byte) 0x93, b[0]);
        assertEquals("NUMPY", new String(b, 1, 5, StandardCharsets.ISO_8859_1));
        int headerLen = (b[8] & 0xFF) | (b[9] & 0xFF) << 8;
        String header = new String(b, 10, headerLen, StandardCharsets.ISO_8859_1);
        return new Npy(b[6], b[7], header, 10 + headerLen, b);
    }

    private static String shapeTuple(Npy npy) {
        int i = npy.header().indexOf("'shape': (");
        assertTrue(i >= 0, npy.header());
        return npy.header().substring(i + "'shape': ".length(), npy.header().indexOf(')', i) + 1);
    }

    private static ModelFormatException loadFails(Path dir) {
        return assertThrows(ModelFormatException.class, () -> ModelStore.load(dir));
    }

    private static void assertMentions(Exception e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "message should mention '" + p + "': " + e.getMessage());
        }
    }

    private static ObjectNode readJson(Path dir) throws IOException {
        return (ObjectNode) new ObjectMapper().readTree(dir.resolve("model.json").toFile());
    }

    private static void writeJson(Path dir, JsonNode root) throws IOException {
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(dir.resolve("model.json").toFile(), root);
    }

    private List<String> siblingsOf(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir.getParent())) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    // ---------------------------------------------------------------------------------- round trips

    @Test
    void roundTripLinearVdlPreset() throws IOException {
        SparseAutoencoder model = randomised(Presets.mnist(Family.VDL), 1);
        Path dir = tmp.resolve("vdl");
        ModelStore.save(model, dir);
        SparseAutoencoder loaded = ModelStore.load(dir);
        assertSameModel(model, loaded);
        assertTrue(loaded.decoder() instanceof LinearDecoder);
        assertEquals(3, loaded.encoder().iterations());
        assertEquals(model.config(), ModelStore.readConfig(dir));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of("S.npy", "U.npy", "W.npy", "b.npy", "model.json"),
                    s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList()));
        }
    }

    @Test
    void roundTripNonLinear() throws IOException {
        SparseAutoencoder model = randomised(smallNonLinear(), 2);
        Path dir = tmp.resolve("sdl-nl");
        ModelStore.save(model, dir);
        SparseAutoencoder loaded = ModelStore.load(dir);
        assertSameModel(model, loaded);
        MlpDecoder dec = (MlpDecoder) loaded.decoder();
        assertEquals(16, dec.hiddenDim());
        assertEquals(1, dec.b1().rows());
        assertEquals(16, dec.b1().cols());
        assertEquals(1, loaded.encoder().b().rows());
    }

    @Test
    void roundTripDecoderOnly() throws IOException {
        SparseAutoencoder model = randomised(Presets.mnist(Family.DO), 3);
        Path dir = tmp.resolve("do");
        ModelStore.save(model, dir);
        SparseAutoencoder loaded = ModelStore.load(dir);
        assertSameModel(model, loaded);
        assertNull(loaded.encoder());
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of("W.npy", "model.json"),
                    s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList()));
        }
    }

    @Test
    void roundTripsEveryFamily() throws IOException {
        for (Family f : Family.values()) {
            ModelConfig c = smallLinear(f);
            if (f.nonLinear()) {
                ModelConfig.Builder b = Presets.mnist(f).toBuilder();
                b.hiddenDim = 6;
                b.codeDim = 5;
                b.dataDim = 7;
                c = b.build();
            }
            SparseAutoencoder model = randomised(c, f.ordinal());
            Path dir = tmp.resolve("family-" + f.label());
            ModelStore.save(model, dir);
            assertSameModel(model, ModelStore.load(dir));
        }
    }

    // ---------------------------------------------------------------------------------- file layout

    @Test
    void npyFilesAreFloat32WithTheReferenceShapes() throws IOException {
        SparseAutoencoder model = randomised(smallNonLinear(), 4);
        Path dir = tmp.resolve("m");
        ModelStore.save(model, dir);
        Map<String, String> shapes = Map.of(
                "U", "(8, 784)", "S", "(8, 8)", "b", "(8,)",
                "W1", "(16, 8)", "b1", "(16,)", "W2", "(784, 16)");
        List<String> names = model.parameterNames();
        for (int p = 0; p < names.size(); p++) {
            String name = names.get(p);
            Npy npy = parseNpy(dir.resolve(name + ".npy"));
            assertEquals(1, npy.major());
            assertEquals(0, npy.minor());
            assertEquals(0, npy.dataOffset() % 64, "header padded to 64 bytes");
            assertTrue(npy.header().endsWith("\n"));
            assertTrue(npy.header().contains("'descr': '<f4'"), npy.header());
            assertTrue(npy.header().contains("'fortran_order': False"), npy.header());
            assertEquals(shapes.get(name), shapeTuple(npy), name);
            float[] values = model.parameters().get(p).toArray();
            assertEquals(values.length * 4, npy.dataBytes(), name);
            for (int i = 0; i < values.length; i++) {
                assertEquals(Float.floatToRawIntBits(values[i]), Float.floatToRawIntBits(npy.value(i)), name + "[" + i + "]");
            }
        }
    }

    @Test
    void modelJsonHasFormatConfigAndParameters() throws IOException {
        SparseAutoencoder model = randomised(smallNonLinear(), 5);
        Path dir = tmp.resolve("m");
        ModelStore.save(model, dir);
        String text = Files.readString(dir.resolve("model.json"));
        assertTrue(text.contains("\n  "), "pretty-printed");
        JsonNode root = new ObjectMapper().readTree(text);
        assertEquals("sparse-stream-model", root.get("format").asText());
        assertEquals(1, root.get("formatVersion").asInt());
        assertEquals(ModelStore.PROJECT_VERSION, root.get("version").asText());
        JsonNode config = root.get("config");
        assertEquals("SDL-NL", config.get("model").asText());
        assertEquals(16, config.get("hiddenDim").asInt());
        assertEquals(0.1307, config.get("normalisation").get("mean").asDouble());
        assertEquals(0.3081, config.get("normalisation").get("std").asDouble());
        assertEquals(2, config.get("normalisation").size());
        JsonNode params = root.get("parameters");
        assertEquals(List.of("U", "S", "b", "W1", "b1", "W2"), iterable(params.fieldNames()));
        assertEquals("W1.npy", params.get("W1").get("file").asText());
        assertEquals("[16,8]", params.get("W1").get("shape").toString());
        assertEquals("[16]", params.get("b1").get("shape").toString());
        assertEquals("[784,16]", params.get("W2").get("shape").toString());
    }

    private static List<String> iterable(java.util.Iterator<String> it) {
        List<String> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }

    @Test
    void jsonMapperWritesFamilyLabels() throws IOException {
        ObjectMapper json = Json.mapper();
        ModelConfig c = Presets.mnist(Family.VDL_NL);
        String text = json.writeValueAsString(c);
        assertTrue(text.contains("\"VDL-NL\""), text);
        assertFalse(text.contains("VDL_NL"), text);
        assertEquals(c, json.readValue(text, ModelConfig.class));
        assertEquals("\"WDL-NL\"", json.writeValueAsString(Family.WDL_NL).strip());
        assertEquals(Family.DO_NL, json.readValue("\"DO-NL\"", Family.class));
        Map<Family, Integer> byFamily = Map.of(Family.SDL_NL, 1);
        String mapText = json.writeValueAsString(byFamily);
        assertTrue(mapText.contains("\"SDL-NL\""), mapText);
        assertEquals(byFamily, json.readValue(mapText,
                json.getTypeFactory().constructMapType(Map.class, Family.class, Integer.class)));
        // Each call is an independent copy.
        assertTrue(Json.mapper() != Json.mapper());
    }

    @Test
    void interoperatesWithNumpy() throws IOException {
        SparseAutoencoder model = randomised(smallNonLinear(), 6);
        Path dir = tmp.resolve("m");
        ModelStore.save(model, dir);
        // numpy reads our files ...
        String w2 = Numpy.run(dir.resolve("W2.npy"),
                "a = np.load(path)\nprint(a.dtype, a.shape, ' '.join(repr(float(v)) for v in a.ravel()))");
        String[] parts = w2.split(" ", 4);
        assertEquals("float32 (784, 16)", parts[0] + " " + parts[1] + " " + parts[2]);
        float[] expected = ((MlpDecoder) model.decoder()).w2().toArray();
        String[] values = parts[3].split(" ");
        assertEquals(expected.length, values.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], Float.parseFloat(values[i]), "W2 value " + i);
        }
        assertEquals("(16,)", Numpy.run(dir.resolve("b1.npy"), "print(np.load(path).shape)"));
        // ... and we read numpy's (a 1-D float32 bias written by np.save).
        float[] bias = new float[16];
        for (int i = 0; i < bias.length; i++) {
            bias[i] = i * 0.25f - 1;
        }
        Numpy.run(dir.resolve("b1.npy"), "np.save(path, np.arange(16, dtype=np.float32) * 0.25 - 1)");
        MlpDecoder loaded = (MlpDecoder) ModelStore.load(dir).decoder();
        assertArrayEquals(bias, loaded.b1().toArray());
    }

    // ---------------------------------------------------------------------------------- rejections

    @Test
    void rejectsMissingParameterFile() throws IOException {
        Path dir = tmp.resolve("m");
        ModelStore.save(randomised(smallNonLinear(), 7), dir);
        Files.delete(dir.resolve("W1.npy"));
        assertMentions(loadFails(dir), "missing W1.npy", "decoder first layer", "[16, 8]", dir.toString());
    }

    @Test
    void rejectsMissingFolderAndModelJson() throws IOException {
        assertThrows(NoSuchFileException.class, () -> ModelStore.load(tmp.resolve("nothing-here")));
        Path dir = tmp.resolve("m");
        ModelStore.save(randomised(Presets.mnist(Family.DO), 8), dir);
        Files.delete(dir.resolve("model.json"));
        assertMentions(loadFails(dir), "missing model.json");
    }

    @Test
    void rejectsWrongShape() throws IOException {
        Path dir = tmp.resolve("m");
        ModelStore.save(randomised(Presets.mnist(Family.VDL), 9), dir);
        writeFloatNpy(dir.resolve("W.npy"), "(10, 10)", new float[100]);
        assertMentions(loadFails(dir), "W.npy", "[10, 10]", "[784, 128]");
        // A bias saved 2-D is a shape error too: biases are 1-D.
        writeFloatNpy(dir.resolve("b.npy"), "(1, 128)", new float[128]);
        assertMentions(loadFails(dir), "b.npy", "[1, 128]", "[128]");
    }

    @Test
    void rejectsWrongDtype() throws IOException {
        Path dir = tmp.resolve("m");
        ModelStore.save(randomised(smallLinear(Family.SDL), 10), dir);
        writeRawNpy(dir.resolve("W.npy"), "<f8", "(12, 8)", new byte[12 * 8 * 8]);
        assertMentions(loadFails(dir), "W.npy", "'<f8'", "float64");
        // numpy's float64 output is rejected the same way.
        Numpy.run(dir.resolve("W.npy"), "np.save(path, np.zeros((12, 8)))");
        assertMentions(loadFails(dir), "W.npy", "'<f8'");
    }

    @Test
    void rejectsTruncatedAndCorruptNpy() throws IOException {
        Path dir = tmp.resolve("m");
        ModelStore.save(randomised(smallLinear(Family.SDL), 11), dir);
        Path w = dir.resolve("W.npy");
        byte[] good = Files.readAllBytes(w);

        Files.write(w, Arrays.copyOf(good, good.length - 10));
        assertMentions(loadFails(dir), "W.npy", "truncated");

        Files.write(w, Arrays.copyOf(good, 40)); // cut inside the header
        assertMentions(loadFails(dir), "W.npy", "truncated");

        Files.write(w, Arrays.copyOf(good, good.length + 4));
        assertMentions(loadFails(dir), "W.npy", "unexpected bytes");

        Files.write(w, "this is not numpy at all".getBytes(StandardCharsets.US_ASCII));
        assertMentions(loadFails(dir), "W.npy", "not a .npy file");

        Files.write(w, new byte[0]);
        assertMentions(loadFails(dir), "W.npy", "not a .npy file");

        byte[] badHeader = good.clone();
        badHeader[10] = '['; // the header dict's opening brace
        Files.write(w, badHeader);
        assertMentions(loadFails(dir), "W.npy", "malformed .npy header");
    }

    @Test
    void rejectsNonFiniteValues() throws IOException {
        Path dir = tmp.resolve("m");
        ModelStore.save(randomised(Presets.mnist(Family.VDL), 12), dir);
        float[] b = new float[128];
        b[5] = Float.NaN;
        writeFloatNpy(dir.resolve("b.npy"), "(128,)", b);
        assertMentions(loadFails(dir), "b.npy", "NaN", "flat index 5");

        ModelStore.save(randomised(Presets.mnist(Family.VDL), 12), dir);
        float[] w = new float[784 * 128];
        w[300] = Float.NEGATIVE_INFINITY;
        writeFloatNpy(dir.resolve("W.npy"), "(784, 128)", w);
        assertMentions(loadFails(dir), "W.npy", "-Infinity", "flat index 300", "row 2, column 44");
    }

    @Test
    void rejectsMalformedJson() throws IOException {
        Path dir = tmp.resolve("m");
        ModelStore.save(randomised(Presets.mnist(Family.DO), 13), dir);
        Files.writeString(dir.resolve("model.json"), "{\n  \"format\": \"sparse-stream-model\",\n  \"formatVersion\": 1,,\n}");
        assertMentions(loadFails(dir), "model.json", "malformed JSON", "line 3");

        Files.writeString(dir.resolve("model.json"), "{\"format\": \"sparse-stream-model\", \"formatVersion\": 1} trailing");
        assertMentions(loadFails(dir), "model.json", "malformed JSON");

        Files.writeString(dir.resolve("model.json"), "");
        assertMentions(loadFails(dir), "model.json", "empty");

        Files.writeString(dir.resolve("model.json"), "[1, 2]");
        assertMentions(loadFails(dir), "model.json", "expected a JSON object");
    }

    @Test
    void rejectsWrongFormatFields() throws IOException {
        Path dir = tmp.resolve("m");
        ModelStore.save(randomised(Presets.mnist(Family.DO), 14), dir);
        ObjectNode root = readJson(dir);

        writeJson(dir, root.deepCopy().put("format", "some-other-model"));
        assertMentions(loadFails(dir), "model.json", "\"format\"", "some-other-model", "sparse-stream-model");

        ObjectNode noFormat = root.deepCopy();
        noFormat.remove("format");
        writeJson(dir, noFormat);
        assertMentions(loadFails(dir), "model.json", "no \"format\" field");

        writeJson(dir, root.deepCopy().put("formatVersion", 2));
        assertMentions(loadFails(dir), "model.json", "formatVersion 2", "newer");

        writeJson(dir, root.deepCopy().put("formatVersion", "1"));
        assertMentions(loadFails(dir), "model.json", "formatVersion");

        ObjectNode noVersion = root.deepCopy();
        noVersion.remove("formatVersion");
        writeJson(dir, noVersion);
        assertMentions(loadFails(dir), "model.json", "formatVersion");

        writeJson(dir, root); // the original still loads
        ModelStore.load(dir);
    }

    @Test
    void rejectsInvalidConfig() throws IOException {
        Path dir = tmp.resolve("m");
        ModelStore.save(randomised(smallNonLinear(), 15), dir);
        ObjectNode root = readJson(dir);

        ObjectNode bad = root.deepCopy();
        ((ObjectNode) bad.get("config")).put("hiddenDim", 0);
        writeJson(dir, bad);
        ModelFormatException e = loadFails(dir);
        assertMentions(e, "model.json", "invalid config", "hiddenDim must be positive");
        assertThrows(ModelFormatException.class, () -> ModelStore.readConfig(dir));

        bad = root.deepCopy();
        ((ObjectNode) bad.get("config")).put("model", "XDL");
        writeJson(dir, bad);
        assertMentions(loadFails(dir), "model.json", "config.model", "unknown model 'XDL'");

        bad = root.deepCopy();
        ((ObjectNode) bad.get("config")).put("lamda", 0.1);
        writeJson(dir, bad);
        assertMentions(loadFails(dir), "model.json", "lamda");

        bad = root.deepCopy();
        ((ObjectNode) bad.get("config")).remove("patience");
        writeJson(dir, bad);
        assertMentions(loadFails(dir), "model.json", "patience");

        bad = root.deepCopy();
        ((ObjectNode) bad.get("config").get("normalisation")).put("std", -1.0);
        writeJson(dir, bad);
        assertMentions(loadFails(dir), "model.json", "std must be finite and > 0");

        bad = root.deepCopy();
        ((ObjectNode) bad.get("config")).put("codeDim", 4.5);
        writeJson(dir, bad);
        assertMentions(loadFails(dir), "model.json", "codeDim");

        // The underscore spelling of a family is accepted on input (Family.parse).
        bad = root.deepCopy();
        ((ObjectNode) bad.get("config")).put("model", "SDL_NL");
        writeJson(dir, bad);
        assertEquals(Family.SDL_NL, ModelStore.load(dir).config().model());

        // A consistent config whose shapes differ from the saved files: the files are rejected.
        bad = root.deepCopy();
        ((ObjectNode) bad.get("config")).put("hiddenDim", 17);
        writeJson(dir, bad);
        assertMentions(loadFails(dir), "model.json", "W1", "[17, 8]");
    }

    @Test
    void aConfigWrittenBeforeBacktrackingReadsAsTheFixedStepAndTheFlagRoundTrips() throws IOException {
        Path dir = tmp.resolve("m");
        ModelConfig.Builder b = Presets.mnist(Family.VDL_NL).toBuilder();
        b.backtracking = true;
        ModelStore.save(randomised(b.build(), 17), dir);
        assertTrue(ModelStore.readConfig(dir).backtracking());
        ObjectNode root = readJson(dir);
        assertTrue(root.get("config").get("backtracking").booleanValue());

        ObjectNode old = root.deepCopy();
        ((ObjectNode) old.get("config")).remove("backtracking"); // as every file saved before the field existed
        writeJson(dir, old);
        ModelConfig read = ModelStore.readConfig(dir);
        assertFalse(read.backtracking());
        assertEquals(Presets.mnist(Family.VDL_NL), read);

        ObjectNode bad = root.deepCopy();
        ((ObjectNode) bad.get("config")).put("backtracking", "sometimes");
        writeJson(dir, bad);
        assertMentions(loadFails(dir), "model.json", "backtracking");
    }

    @Test
    void rejectsUnexpectedOrUnlistedParameters() throws IOException {
        Path dir = tmp.resolve("m");
        ModelStore.save(randomised(Presets.mnist(Family.DO), 16), dir);
        ObjectNode root = readJson(dir);

        ObjectNode extra = root.deepCopy();
        ObjectNode u = ((ObjectNode) extra.get("parameters")).putObject("U");
        u.put("file", "U.npy");
        u.putArray("shape").add(128).add(784);
        writeJson(dir, extra);
        assertMentions(loadFails(dir), "model.json", "unexpected parameter 'U'", "DO");

        ObjectNode unlisted = root.deepCopy();
        ((ObjectNode) unlisted.get("parameters")).remove("W");
        writeJson(dir, unlisted);
        assertMentions(loadFails(dir), "model.json", "parameter W", "not listed");

        ObjectNode escape = root.deepCopy();
        ((ObjectNode) escape.get("parameters").get("W")).put("file", "../W.npy");
        writeJson(dir, escape);
        assertMentions(loadFails(dir), "model.json", "plain file name");
    }

    // ---------------------------------------------------------------------------------- atomic save

    @Test
    void overwriteReplacesTheFolderAndLeavesNoSiblings() throws IOException {
        Path dir = tmp.resolve("models").resolve("nested").resolve("m"); // parents created
        SparseAutoencoder first = randomised(Presets.mnist(Family.VDL), 17);
        ModelStore.save(first, dir);
        assertSameModel(first, ModelStore.load(dir));

        // Replaced by a model of another family: stale files (U, S, b) must not survive.
        SparseAutoencoder second = randomised(Presets.mnist(Family.DO), 18);
        Files.writeString(dir.resolve("stray.txt"), "left by someone");
        ModelStore.save(second, dir);
        assertSameModel(second, ModelStore.load(dir));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of("W.npy", "model.json"),
                    s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList()));
        }
        assertEquals(List.of("m"), siblingsOf(dir));
    }

    @Test
    void failedSaveKeepsThePreviousModelAndCleansUp() throws IOException {
        Path dir = tmp.resolve("m");
        SparseAutoencoder good = randomised(Presets.mnist(Family.VDL), 19);
        ModelStore.save(good, dir);

        // W is written after U, S and b, so the temporary folder holds files when this fails.
        SparseAutoencoder bad = randomised(Presets.mnist(Family.VDL), 20);
        ((LinearDecoder) bad.decoder()).w().set(3, 4, Float.NaN);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelStore.save(bad, dir));
        assertMentions(e, "W", "NaN", "flat index " + (3 * 128 + 4));

        assertSameModel(good, ModelStore.load(dir));
        assertEquals(List.of("m"), siblingsOf(dir));

        // Same for a first save: nothing is left behind.
        Path fresh = tmp.resolve("fresh");
        assertThrows(IllegalArgumentException.class, () -> ModelStore.save(bad, fresh));
        assertFalse(Files.exists(fresh));
        assertEquals(List.of("m"), siblingsOf(dir));
    }

    @Test
    void refusesToReplaceSomethingThatIsNotAModel() throws IOException {
        Path notes = tmp.resolve("notes");
        Files.createDirectories(notes);
        Files.writeString(notes.resolve("important.txt"), "keep me");
        SparseAutoencoder model = randomised(Presets.mnist(Family.DO), 21);
        assertThrows(FileAlreadyExistsException.class, () -> ModelStore.save(model, notes));
        assertEquals("keep me", Files.readString(notes.resolve("important.txt")));

        Path file = tmp.resolve("a-file");
        Files.writeString(file, "x");
        assertThrows(FileAlreadyExistsException.class, () -> ModelStore.save(model, file));
        assertEquals("x", Files.readString(file));

        // An empty folder is fine to save into.
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        ModelStore.save(model, empty);
        assertSameModel(model, ModelStore.load(empty));
        assertEquals(List.of("a-file", "empty", "notes"), siblingsOf(empty));
    }
}
