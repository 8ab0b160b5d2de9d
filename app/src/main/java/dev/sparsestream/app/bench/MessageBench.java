package dev.sparsestream.app.bench;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.serializers.DefaultArraySerializers;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import dev.sparsestream.core.model.Family;
import dev.sparsestream.core.model.ModelConfig;
import dev.sparsestream.core.model.Presets;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.protocol.Batch;
import dev.sparsestream.protocol.ProtocolKryo;
import java.util.Random;

/**
 * {@code bench --messages}: what one remote batch costs in serialisation, for the cluster's scaling model
 * (docs/cluster.md): the bytes of a weight version, a batch (as pixels, and as the rows a worker that reads the
 * training set itself is sent) and its codes with the encoder pass, and the median time to write and to read each
 * with the protocol's Kryo, on this thread (one core); and, for comparison, a weight version's floats through
 * Kryo's own per-value float array serializer. Actor references and Artery's framing are left out: these are the
 * payloads, which are nearly all of each message's bytes.
 */
final class MessageBench {
    /** Rounds left out before timing: the JIT compiles the serializers within the first few dozen. */
    private static final int WARM_UP = 30;
    private final Family family;
    private final int reps;

    MessageBench(Family family, int reps) {
        this.family = family;
        this.reps = reps;
    }

    int run() {
        ModelConfig c = Presets.mnist(family).toBuilder().build();
        int n = c.batchSize();
        Random rng = new Random(3);
        Object weights = SparseAutoencoder.initialise(c).exportWeights(1);
        Object batch = new Batch(0, 1, 0, 1, n, c.dataDim(), random(n * c.dataDim(), rng));
        int[] rows = new int[n];
        for (int i = 0; i < n; i++) {
            rows[i] = rng.nextInt(60_000);
        }
        int stages = c.hasEncoder() ? c.listaIterations() + 1 : 0;
        Object codes = new float[][] {random(n * c.codeDim(), rng), random(stages * n * c.codeDim(), rng)};
        System.out.printf("%s: one remote batch's payloads through the protocol's Kryo, medians of %d (one core)%n",
                family, reps);
        System.out.println("message                        MB     write ms   read ms    MB/s (write + read)");
        double[] w = line("weights (one version)", weights, ProtocolKryo.create());
        double[] pixels = line("batch as pixels", batch, ProtocolKryo.create());
        double[] asRows = line("batch as rows", rows, ProtocolKryo.create());
        double[] back = line("codes + encoder pass", codes, ProtocolKryo.create());
        line("  a remote batch, pixels", sum(w, pixels, back));
        line("  a remote batch, rows", sum(w, asRows, back));
        // The same floats through Kryo's own float array serializer, which writes value by value.
        Kryo perValue = new Kryo();
        perValue.register(float[].class, new DefaultArraySerializers.FloatArraySerializer());
        float[] flat = random((int) (w[0] / Float.BYTES), rng);
        line("weights' floats, per value", flat, perValue);
        return 0;
    }

    private static double[] sum(double[]... parts) {
        double[] s = new double[3];
        for (double[] p : parts) {
            for (int i = 0; i < 3; i++) {
                s[i] += p[i];
            }
        }
        return s;
    }

    private double[] line(String name, Object message, Kryo kryo) {
        return line(name, time(message, kryo));
    }

    private static double[] line(String name, double[] r) {
        System.out.printf("%-29s %6.3f  %8.3f  %8.3f   %8.0f%n", name, r[0] / 1e6, r[1], r[2], r[0] / 1e3 / (r[1] + r[2]));
        return r;
    }

    /** {bytes, median write ms, median read ms}. */
    private double[] time(Object message, Kryo kryo) {
        Output out = new Output(1 << 16, -1);
        double[] write = new double[reps];
        double[] read = new double[reps];
        int bytes = 0;
        for (int i = 0; i < reps + WARM_UP; i++) {
            out.reset();
            long t0 = System.nanoTime();
            kryo.writeClassAndObject(out, message);
            long t1 = System.nanoTime();
            bytes = out.position();
            Object back = kryo.readClassAndObject(new Input(out.getBuffer(), 0, bytes));
            long t2 = System.nanoTime();
            if (back == null) {
                throw new IllegalStateException("nothing read back");
            }
            if (i >= WARM_UP) {
                write[i - WARM_UP] = (t1 - t0) / 1e6;
                read[i - WARM_UP] = (t2 - t1) / 1e6;
            }
        }
        return new double[] {bytes, BenchCommand.median(write), BenchCommand.median(read)};
    }

    private static float[] random(int size, Random rng) {
        float[] v = new float[size];
        for (int i = 0; i < size; i++) {
            v[i] = rng.nextFloat();
        }
        return v;
    }
}
