package dev.sparsestream.app.bench;

import com.esotericsoftware.kryo.Kryo;
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
 * (docs/cluster.md): the bytes of a weight version, a batch and its codes with the encoder pass, and the
 * median time to write and to read each with the protocol's Kryo, on this thread (one core). Actor references
 * and Artery's framing are left out: these are the payloads, which are nearly all of each message's bytes.
 */
final class MessageBench {
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
        int stages = c.hasEncoder() ? c.listaIterations() + 1 : 0;
        Object codes = new float[][] {random(n * c.codeDim(), rng), random(stages * n * c.codeDim(), rng)};
        System.out.printf("%s: one remote batch's payloads through the protocol's Kryo, medians of %d (one core)%n",
                family, reps);
        System.out.println("message               MB     write ms   read ms    MB/s (write + read)");
        double[] total = new double[3];
        for (Object[] m : new Object[][] {{"weights (one version)", weights}, {"batch", batch},
                {"codes + encoder pass", codes}}) {
            double[] r = time(m[1]);
            System.out.printf("%-20s %6.3f  %8.3f  %8.3f   %8.0f%n", m[0], r[0] / 1e6, r[1], r[2], r[0] / 1e3 / (r[1] + r[2]));
            for (int i = 0; i < 3; i++) {
                total[i] += r[i];
            }
        }
        System.out.printf("%-20s %6.3f  %8.3f  %8.3f   %8.0f%n", "a remote batch", total[0] / 1e6, total[1], total[2],
                total[0] / 1e3 / (total[1] + total[2]));
        return 0;
    }

    /** {bytes, median write ms, median read ms}. */
    private double[] time(Object message) {
        Kryo kryo = ProtocolKryo.create();
        Output out = new Output(1 << 16, -1);
        double[] write = new double[reps];
        double[] read = new double[reps];
        int bytes = 0;
        for (int i = 0; i < reps + 3; i++) { // three to warm up
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
            if (i >= 3) {
                write[i - 3] = (t1 - t0) / 1e6;
                read[i - 3] = (t2 - t1) / 1e6;
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
