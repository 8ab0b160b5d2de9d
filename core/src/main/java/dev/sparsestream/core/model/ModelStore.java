package dev.sparsestream.core.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparsestream.core.io.AtomicFiles;
import dev.sparsestream.core.io.Json;
import dev.sparsestream.core.io.NpyFiles;
import dev.sparsestream.core.tensor.Matrix;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Saves and loads a {@link SparseAutoencoder} as a folder:
 *
 * <pre>
 *   model.json   {"format": "sparse-stream-model", "formatVersion": 1, "version": "0.1.0",
 *                 "config": {...ModelConfig...},
 *                 "parameters": {"U": {"file": "U.npy", "shape": [l, d]}, ...}}
 *   U.npy (l, d)  S.npy (l, l)  b.npy (l,)                      encoder (families with one)
 *   W.npy (d, l)                                                linear decoder
 *   W1.npy (m, l) b1.npy (m,)  W2.npy (d, m)                    non-linear decoder
 * </pre>
 *
 * <p>Parameter files are NumPy {@code .npy} (format 1.0, dtype {@code '<f4'}, C order) in the layout of
 * docs/method.md ("Models"); biases are 1-D. {@code numpy.load} reads them as they are.
 *
 * <p>The {@code .npy} files are written and read by {@link NpyFiles} (not ND4J, whose reader accepts
 * truncated files); they are byte-compatible with both NumPy and ND4J.
 *
 * <p>{@link #save} is atomic: the folder is written complete under a temporary sibling name, synced,
 * and renamed into place, so a reader sees either the previous model or the new one, never a mix.
 * Concurrent saves to the same folder are not supported.
 */
public final class ModelStore {
    /** The project version written into every model.json. */
    public static final String PROJECT_VERSION = dev.sparsestream.core.BuildInfo.VERSION;
    /** The value of model.json's "format" field. */
    public static final String FORMAT = "sparse-stream-model";
    /** The layout version this build writes and reads. */
    public static final int FORMAT_VERSION = 1;
    public static final String MODEL_JSON = "model.json";

    private static final System.Logger LOG = System.getLogger(ModelStore.class.getName());
    private static final ObjectMapper MAPPER = Json.mapper();

    private ModelStore() {
    }

    /** The content of model.json. Unknown top-level fields are ignored (room for metadata); config is strict. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonPropertyOrder({"format", "formatVersion", "version", "config", "parameters"})
    record ModelFile(String format, int formatVersion, String version, ModelConfig config,
                     Map<String, ParameterEntry> parameters) {
    }

    @JsonPropertyOrder({"file", "shape"})
    record ParameterEntry(String file, long[] shape) {
    }

    // ------------------------------------------------------------------------------------ parameters

    /** One parameter a configuration requires: name (file stem), what it is, shape, and where it lives. */
    private record Spec(String name, String description, long[] shape, Function<SparseAutoencoder, Matrix> get) {
        String file() {
            return name + ".npy";
        }

        String describe() {
            return description + ", expected shape " + Arrays.toString(shape);
        }
    }

    /** The parameters of a model with this configuration, in the order of {@link SparseAutoencoder#parameterNames()}. */
    private static List<Spec> specs(ModelConfig c) {
        long d = c.dataDim();
        long l = c.codeDim();
        long m = c.hiddenDim();
        List<Spec> s = new ArrayList<>();
        if (c.hasEncoder()) {
            s.add(new Spec("U", "encoder input weights", new long[] {l, d}, a -> a.encoder().u()));
            s.add(new Spec("S", "encoder lateral weights", new long[] {l, l}, a -> a.encoder().s()));
            s.add(new Spec("b", "encoder bias", new long[] {l}, a -> a.encoder().b()));
        }
        if (c.nonLinear()) {
            s.add(new Spec("W1", "decoder first layer", new long[] {m, l}, a -> ((MlpDecoder) a.decoder()).w1()));
            s.add(new Spec("b1", "decoder first-layer bias", new long[] {m}, a -> ((MlpDecoder) a.decoder()).b1()));
            s.add(new Spec("W2", "decoder second layer", new long[] {d, m}, a -> ((MlpDecoder) a.decoder()).w2()));
        } else {
            s.add(new Spec("W", "decoder", new long[] {d, l}, a -> ((LinearDecoder) a.decoder()).w()));
        }
        return s;
    }

    // ------------------------------------------------------------------------------------------ save

    /**
     * Writes the model to {@code dir}, replacing a model saved there before, atomically: everything is
     * written and synced under a temporary sibling folder, a previous folder is moved aside, the new one
     * renamed into place and the old one deleted. On failure the temporary folder is removed and a
     * previous model at {@code dir} is left as it was. Parent folders are created.
     *
     * @throws IllegalArgumentException if a parameter holds a NaN or infinity (such a folder could not be
     *                                  loaded); nothing is changed on disk
     * @throws FileAlreadyExistsException if {@code dir} exists and is not a model folder (a file, a link,
     *                                    or a non-empty folder without model.json), which is never replaced
     */
    public static void save(SparseAutoencoder model, Path dir) throws IOException {
        Objects.requireNonNull(model, "model");
        Path target = dir.toAbsolutePath().normalize();
        Path parent = target.getParent();
        if (parent == null || target.getFileName() == null) {
            throw new IOException("cannot save a model as the file-system root " + target);
        }
        String name = target.getFileName().toString();
        Files.createDirectories(parent);
        checkReplaceable(target);

        Path tmp = createUniqueFolder(parent, "." + name + ".tmp-");
        boolean installed = false;
        try {
            writeContents(model, tmp);
            AtomicFiles.syncFolder(tmp);

            Path backup = null;
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                checkReplaceable(target);
                backup = uniqueSibling(parent, "." + name + ".old-");
                Files.move(target, backup, StandardCopyOption.ATOMIC_MOVE);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                if (backup != null) {
                    try {
                        Files.move(backup, target, StandardCopyOption.ATOMIC_MOVE);
                    } catch (IOException restore) {
                        e.addSuppressed(new IOException("the previous model could not be moved back from " + backup, restore));
                    }
                }
                throw e;
            }
            installed = true;
            AtomicFiles.syncFolder(parent);
            if (backup != null) {
                try {
                    AtomicFiles.deleteRecursively(backup);
                } catch (IOException e) {
                    // The new model is in place; a leftover backup is only clutter.
                    LOG.log(System.Logger.Level.WARNING, "saved " + target + " but could not delete the previous copy " + backup, e);
                }
            }
        } finally {
            if (!installed) {
                try {
                    AtomicFiles.deleteRecursively(tmp);
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.WARNING, "could not delete the temporary folder " + tmp, e);
                }
            }
        }
    }

    /** Refuses to replace anything that is not a (previous) model folder. */
    private static void checkReplaceable(Path target) throws IOException {
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(target.toString(), null,
                    "exists and is not a folder (or is a link); not replacing it with a model");
        }
        if (!Files.exists(target.resolve(MODEL_JSON))) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(target)) {
                if (entries.iterator().hasNext()) {
                    throw new FileAlreadyExistsException(target.toString(), null,
                            "is a non-empty folder without " + MODEL_JSON + " (not a saved model); not replacing it");
                }
            }
        }
    }

    private static void writeContents(SparseAutoencoder model, Path folder) throws IOException {
        ModelConfig c = model.config();
        Map<String, ParameterEntry> entries = new LinkedHashMap<>();
        for (Spec s : specs(c)) {
            Matrix m = s.get().apply(model);
            long rows = s.shape().length == 1 ? 1 : s.shape()[0];
            long cols = s.shape()[s.shape().length - 1];
            if (m.rows() != rows || m.cols() != cols) {
                throw new IllegalArgumentException("parameter " + s.name() + " (" + s.description() + ") is "
                        + m.rows() + " x " + m.cols() + ", the configuration needs " + Arrays.toString(s.shape()));
            }
            writeNpy(folder.resolve(s.file()), m, s.shape(), s);
            entries.put(s.name(), new ParameterEntry(s.file(), s.shape()));
        }
        byte[] json = MAPPER.writeValueAsBytes(new ModelFile(FORMAT, FORMAT_VERSION, PROJECT_VERSION, c, entries));
        ByteBuffer buf = ByteBuffer.allocate(json.length + 1);
        buf.put(json).put((byte) '\n').flip();
        try (FileChannel ch = FileChannel.open(folder.resolve(MODEL_JSON), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            writeFully(ch, buf);
            ch.force(true);
        }
    }

    /**
     * Writes a parameter through {@link NpyFiles#write(Path, Matrix, long[])} (NPY 1.0, '<f4', C order),
     * refusing a NaN or infinity first: such a model could not be loaded.
     */
    private static void writeNpy(Path file, Matrix m, long[] shape, Spec spec) throws IOException {
        FloatBuffer values = m.data();
        int n = m.size();
        for (int i = 0; i < n; i++) {
            float v = values.get(i);
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException("cannot save parameter " + spec.name() + " (" + spec.description()
                        + "): non-finite value " + v + " at flat index " + i);
            }
        }
        NpyFiles.write(file, m, shape);
    }

    // ------------------------------------------------------------------------------------------ load

    /** Only the configuration of the model saved in {@code dir} (model.json is fully validated). */
    public static ModelConfig readConfig(Path dir) throws IOException {
        return readModelFile(dir).config();
    }

    /**
     * Loads a model saved by {@link #save}, validating everything: the format marker and version, the
     * configuration, that exactly the parameters the configuration needs are listed and present, and that
     * each is a float32 {@code .npy} of the expected shape with finite values.
     *
     * @throws NoSuchFileException  if {@code dir} does not exist
     * @throws ModelFormatException for anything else wrong, naming the file and the problem
     */
    public static SparseAutoencoder load(Path dir) throws IOException {
        ModelFile mf = readModelFile(dir);
        ModelConfig c = mf.config();
        Path json = dir.resolve(MODEL_JSON);
        List<Spec> specs = specs(c);
        Map<String, ParameterEntry> listed = mf.parameters();
        for (String name : listed.keySet()) {
            if (specs.stream().noneMatch(s -> s.name().equals(name))) {
                throw new ModelFormatException(json + ": unexpected parameter '" + name + "'; a " + c.model()
                        + " model with this configuration has only "
                        + specs.stream().map(Spec::name).collect(Collectors.joining(", ")));
            }
        }
        Map<String, Matrix> values = new LinkedHashMap<>();
        for (Spec s : specs) {
            ParameterEntry e = listed.get(s.name());
            if (e == null) {
                throw new ModelFormatException(json + ": parameter " + s.name() + " (" + s.describe() + ") is not listed");
            }
            if (e.file() == null || !isPlainFileName(e.file())) {
                throw new ModelFormatException(json + ": parameter " + s.name() + " has file " + quote(e.file())
                        + "; expected a plain file name inside the model folder");
            }
            if (e.shape() == null || !Arrays.equals(e.shape(), s.shape())) {
                throw new ModelFormatException(json + ": parameter " + s.name() + " is listed with shape "
                        + (e.shape() == null ? "null" : Arrays.toString(e.shape())) + " but the configuration needs "
                        + Arrays.toString(s.shape()) + " (" + s.description() + ")");
            }
            Path file = dir.resolve(e.file());
            if (!Files.isRegularFile(file)) {
                throw new ModelFormatException("model folder " + dir + ": missing " + e.file() + " (" + s.describe() + ")");
            }
            values.put(s.name(), readNpy(file, s));
        }
        try {
            ListaEncoder enc = c.hasEncoder()
                    ? new ListaEncoder(values.get("U"), values.get("S"), values.get("b"), c.listaIterations())
                    : null;
            Decoder dec = c.nonLinear()
                    ? new MlpDecoder(values.get("W1"), values.get("b1"), values.get("W2"))
                    : new LinearDecoder(values.get("W"));
            return new SparseAutoencoder(c, enc, dec);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException("model folder " + dir + ": " + e.getMessage(), e);
        }
    }

    private static ModelFile readModelFile(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            throw new NoSuchFileException(dir.toString(), null, "no such model folder");
        }
        if (!Files.isDirectory(dir)) {
            throw new ModelFormatException(dir + " is not a folder (a saved model is a folder with " + MODEL_JSON + ")");
        }
        Path json = dir.resolve(MODEL_JSON);
        if (!Files.isRegularFile(json)) {
            throw new ModelFormatException("model folder " + dir + ": missing " + MODEL_JSON + " (not a saved model?)");
        }
        byte[] bytes = Files.readAllBytes(json);

        // Pass 1: well-formed JSON with the right format marker, before interpreting anything else.
        JsonNode root;
        try {
            root = MAPPER.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new ModelFormatException(json + ": malformed JSON" + where(e) + ": " + e.getOriginalMessage(), e);
        }
        if (root == null || root.isMissingNode()) {
            throw new ModelFormatException(json + ": empty file");
        }
        if (!root.isObject()) {
            throw new ModelFormatException(json + ": expected a JSON object, found " + root.getNodeType().toString().toLowerCase());
        }
        JsonNode format = root.get("format");
        if (format == null) {
            throw new ModelFormatException(json + ": no \"format\" field (expected \"" + FORMAT + "\"); not a sparse-stream model?");
        }
        if (!format.isTextual() || !FORMAT.equals(format.textValue())) {
            throw new ModelFormatException(json + ": \"format\" is " + format + ", expected \"" + FORMAT + "\"");
        }
        JsonNode version = root.get("formatVersion");
        if (version == null) {
            throw new ModelFormatException(json + ": no \"formatVersion\" field (expected " + FORMAT_VERSION + ")");
        }
        if (!version.isIntegralNumber()) {
            throw new ModelFormatException(json + ": \"formatVersion\" is " + version + ", expected the integer " + FORMAT_VERSION);
        }
        if (!version.canConvertToInt() || version.intValue() != FORMAT_VERSION) {
            throw new ModelFormatException(json + ": formatVersion " + version + " is not supported (this build, "
                    + PROJECT_VERSION + ", reads formatVersion " + FORMAT_VERSION
                    + (version.canConvertToInt() && version.intValue() > FORMAT_VERSION ? "; saved by a newer version?)" : ")"));
        }

        // Pass 2: the typed content, parsed from the same bytes so error locations are in the file.
        ModelFile mf;
        try {
            mf = MAPPER.readValue(bytes, ModelFile.class);
        } catch (JsonProcessingException e) {
            Throwable cause = e.getCause();
            String path = jsonPath(e);
            String what = path.startsWith("config") ? "invalid config" : "invalid content";
            String detail = cause instanceof IllegalArgumentException ? cause.getMessage() : e.getOriginalMessage();
            throw new ModelFormatException(json + ": " + what + (path.isEmpty() ? "" : " at " + path) + where(e) + ": " + detail, e);
        }
        if (mf.config() == null) {
            throw new ModelFormatException(json + ": \"config\" is null");
        }
        if (mf.parameters() == null) {
            throw new ModelFormatException(json + ": \"parameters\" is null");
        }
        return mf;
    }

    private static String where(JsonProcessingException e) {
        JsonLocation loc = e.getLocation();
        if (loc == null || loc.getLineNr() < 1) {
            return "";
        }
        return " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
    }

    /** "config.hiddenDim", "parameters.W.shape[1]" for a mapping error; "" when there is no path. */
    private static String jsonPath(JsonProcessingException e) {
        if (!(e instanceof JsonMappingException m)) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : m.getPath()) {
            if (r.getFieldName() != null) {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    private static boolean isPlainFileName(String f) {
        if (f.isEmpty() || f.equals(".") || f.equals("..") || f.indexOf('/') >= 0 || f.indexOf('\\') >= 0
                || f.indexOf('\0') >= 0) {
            return false;
        }
        try {
            Path p = Path.of(f);
            return p.getNameCount() == 1 && !p.isAbsolute() && p.getFileName().toString().equals(f);
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static String quote(String s) {
        return s == null ? "null" : "'" + s + "'";
    }

    // ------------------------------------------------------------------------------------- NPY read

    /**
     * Reads a float32 .npy of exactly the shape of {@code spec} into a matrix (a 1-D bias becomes 1 x k),
     * through {@link NpyFiles#read(Path, long[], String)}; its format errors become {@link ModelFormatException}s
     * with the same message.
     */
    private static Matrix readNpy(Path file, Spec spec) throws IOException {
        try {
            return NpyFiles.read(file, spec.shape(), spec.name() + " (" + spec.description() + ")");
        } catch (NpyFiles.FormatException e) {
            throw new ModelFormatException(e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------------------------ file utils

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    private static Path createUniqueFolder(Path parent, String prefix) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path p = uniqueSibling(parent, prefix);
            try {
                return Files.createDirectory(p);
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 10) {
                    throw e;
                }
            }
        }
    }

    private static Path uniqueSibling(Path parent, String prefix) {
        for (int attempt = 0; ; attempt++) {
            Path p = parent.resolve(prefix + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1));
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS) || attempt >= 10) {
                return p;
            }
        }
    }
}
