package dev.sparsestream.core.device;

import static dev.sparsestream.core.device.CudaCalls.blocks;
import static dev.sparsestream.core.device.CudaCalls.cublas;
import static dev.sparsestream.core.device.CudaCalls.cuda;
import static dev.sparsestream.core.device.CudaCalls.download;
import static dev.sparsestream.core.device.CudaCalls.downloadInt;
import static dev.sparsestream.core.device.CudaCalls.driver;
import static dev.sparsestream.core.device.CudaCalls.f;
import static dev.sparsestream.core.device.CudaCalls.free;
import static dev.sparsestream.core.device.CudaCalls.load;
import static dev.sparsestream.core.device.CudaCalls.microseconds;
import static dev.sparsestream.core.device.CudaCalls.nvrtc;
import static dev.sparsestream.core.device.CudaCalls.ptr;
import static dev.sparsestream.core.device.CudaCalls.upload;
import static dev.sparsestream.core.device.CudaCalls.uploadInts;
import static org.bytedeco.cuda.global.cublas.CUBLAS_DEFAULT_MATH;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_N;
import static org.bytedeco.cuda.global.cublas.cublasCreate_v2;
import static org.bytedeco.cuda.global.cublas.cublasSetMathMode;
import static org.bytedeco.cuda.global.cublas.cublasSgemm_v2;
import static org.bytedeco.cuda.global.cudart.cuLaunchKernel;
import static org.bytedeco.cuda.global.cudart.cuModuleGetFunction;
import static org.bytedeco.cuda.global.cudart.cuModuleLoadData;
import static org.bytedeco.cuda.global.cudart.cudaDeviceSynchronize;
import static org.bytedeco.cuda.global.cudart.cudaDriverGetVersion;
import static org.bytedeco.cuda.global.cudart.cudaFree;
import static org.bytedeco.cuda.global.cudart.cudaGetDeviceCount;
import static org.bytedeco.cuda.global.cudart.cudaGetDeviceProperties;
import static org.bytedeco.cuda.global.cudart.cudaMalloc;
import static org.bytedeco.cuda.global.cudart.cudaMemcpy;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyDeviceToHost;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyHostToDevice;
import static org.bytedeco.cuda.global.cudart.cudaRuntimeGetVersion;
import static org.bytedeco.cuda.global.cudart.cudaSetDevice;
import static org.bytedeco.cuda.global.nvrtc.nvrtcCompileProgram;
import static org.bytedeco.cuda.global.nvrtc.nvrtcCreateProgram;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetErrorString;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetPTX;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetPTXSize;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetProgramLog;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetProgramLogSize;

import dev.sparsestream.core.tensor.Matrix;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.bytedeco.cuda.cublas.cublasContext;
import org.bytedeco.cuda.cudart.CUfunc_st;
import org.bytedeco.cuda.cudart.CUmod_st;
import org.bytedeco.cuda.cudart.cudaDeviceProp;
import org.bytedeco.cuda.nvrtc._nvrtcProgram;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.SizeTPointer;

/**
 * The first thing run on a GPU machine ({@code scripts/device-check}): finds and loads the CUDA libraries,
 * names the GPU and the driver, compiles the device's kernels with NVRTC for the GPU's compute capability, and
 * checks them and one cuBLAS product against the CPU device on the same inputs; then times a FISTA step's two
 * parts at batch 250. Prints one line per check; exit status 0 when all pass, 1 when one fails, 2 when no CUDA
 * device can be used here (the reason printed). Not yet run on a GPU: docs/gpu.md.
 */
public final class CudaProbe {
    private static final String KERNELS = "/dev/sparsestream/core/device/cuda/kernels.cu";

    private final PrintStream out;
    private final Random rng = new Random(20);
    private int failures;
    private CUmod_st module;

    private CudaProbe(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) {
        System.exit(run(System.out));
    }

    /** @return the exit status: 0 all checks pass, 1 one failed, 2 no CUDA device usable here */
    public static int run(PrintStream out) {
        CudaLibraries.Search libraries = CudaLibraries.find();
        if (!libraries.complete()) {
            out.println("cuda: " + libraries.whyNot());
            return 2;
        }
        libraries.found().forEach((soname, file) -> out.println("cuda: " + soname + " at " + file));
        try {
            load(libraries);
            return new CudaProbe(out).checks();
        } catch (IllegalStateException | UnsatisfiedLinkError e) {
            out.println("cuda: cannot use the GPU: " + e.getMessage());
            return 2;
        }
    }

    private int checks() {
        int[] count = new int[1];
        cuda(cudaGetDeviceCount(count), "cudaGetDeviceCount");
        if (count[0] == 0) {
            out.println("cuda: the libraries are here but the driver sees no GPU");
            return 2;
        }
        cuda(cudaSetDevice(0), "cudaSetDevice(0)");
        cuda(cudaFree(null), "cudaFree(null)"); // creates the primary context, which the driver API calls below use
        cudaDeviceProp prop = new cudaDeviceProp();
        cuda(cudaGetDeviceProperties(prop, 0), "cudaGetDeviceProperties");
        int[] driver = new int[1];
        int[] runtime = new int[1];
        cuda(cudaDriverGetVersion(driver), "cudaDriverGetVersion");
        cuda(cudaRuntimeGetVersion(runtime), "cudaRuntimeGetVersion");
        out.printf("gpu: %s, compute capability %d.%d, %d multiprocessors, %.1f GiB; driver's CUDA %d.%d, runtime %d.%d; "
                        + "%d GPU(s)%n", prop.name().getString(), prop.major(), prop.minor(), prop.multiProcessorCount(),
                prop.totalGlobalMem() / (double) (1L << 30), driver[0] / 1000, driver[0] % 1000 / 10,
                runtime[0] / 1000, runtime[0] % 1000 / 10, count[0]);
        module = compile(prop.major(), prop.minor());
        checkAdam();
        checkDifference();
        checkProduct();
        checkFistaStep();
        out.println(failures == 0 ? "all checks passed" : failures + " check(s) failed");
        return failures == 0 ? 0 : 1;
    }

    // ---- NVRTC ----

    private CUmod_st compile(int major, int minor) {
        String source;
        try (InputStream in = CudaProbe.class.getResourceAsStream(KERNELS)) {
            source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("cannot read the kernels " + KERNELS, e);
        }
        long t0 = System.nanoTime();
        _nvrtcProgram program = new _nvrtcProgram();
        nvrtc(nvrtcCreateProgram(program, new BytePointer(source), new BytePointer("kernels.cu"), 0,
                (PointerPointer<?>) null, (PointerPointer<?>) null), "nvrtcCreateProgram");
        String[] options = {"--gpu-architecture=compute_" + major + minor, "--fmad=false"};
        PointerPointer<BytePointer> opts = new PointerPointer<>(options);
        int status = nvrtcCompileProgram(program, options.length, opts);
        SizeTPointer logSize = new SizeTPointer(1);
        nvrtcGetProgramLogSize(program, logSize);
        BytePointer log = new BytePointer(logSize.get());
        nvrtcGetProgramLog(program, log);
        if (status != 0) {
            throw new IllegalStateException("NVRTC could not compile the kernels (" + nvrtcGetErrorString(status).getString()
                    + "): " + log.getString());
        }
        SizeTPointer ptxSize = new SizeTPointer(1);
        nvrtc(nvrtcGetPTXSize(program, ptxSize), "nvrtcGetPTXSize");
        BytePointer ptx = new BytePointer(ptxSize.get());
        nvrtc(nvrtcGetPTX(program, ptx), "nvrtcGetPTX");
        CUmod_st m = new CUmod_st();
        driver(cuModuleLoadData(m, ptx), "cuModuleLoadData");
        out.printf("nvrtc: kernels compiled for compute_%d%d and loaded in %.0f ms%n", major, minor,
                (System.nanoTime() - t0) / 1e6);
        return m;
    }

    // ---- the checks, each against the CPU device on the same inputs ----

    private void checkAdam() {
        int n = 100_003; // not a multiple of a block: the grid's last block is partial
        float[] p = uniform(n, 1);
        float[] g = uniform(n, 1);
        float[] m = uniform(n, 0.1f);
        float[] v = abs(uniform(n, 0.01f));
        Device.AdamStep s = new Device.AdamStep(1e-3f / (1 - 0.9f), 0.9f, 1 - 0.9f, 0.999f, 1 - 0.999f, 1e-8f, 1e-4f,
                (float) Math.sqrt(1 - 0.999));
        Device cpu = Devices.cpu();
        Matrix cp = cpu.of(1, n, p);
        Matrix cm = cpu.of(1, n, m);
        Matrix cv = cpu.of(1, n, v);
        cpu.adamStep(cp, cpu.of(1, n, g), cm, cv, s);
        Pointer dp = upload(p);
        Pointer dg = upload(g);
        Pointer dm = upload(m);
        Pointer dv = upload(v);
        launch("adam_step", blocks(n), 256, ptr(dp), ptr(dg), ptr(dm), ptr(dv), new LongPointer(1).put(n),
                f(s.stepSize()), f(s.oneMinusBeta1()), f(s.beta2()), f(s.oneMinusBeta2()), f(s.eps()),
                f(s.weightDecay()), f(s.biasCorrection2Sqrt()));
        report("adam_step, " + n + " parameters, bit for bit", mismatches(cp.toArray(), download(dp, n))
                + mismatches(cm.toArray(), download(dm, n)) + mismatches(cv.toArray(), download(dv, n)) == 0);
        free(dp, dg, dm, dv);
    }

    private void checkDifference() {
        int rows = 250;
        int cols = 784;
        int n = rows * cols;
        float[] a = uniform(n, 1);
        float[] b = uniform(n, 1);
        Device cpu = Devices.cpu();
        Matrix out0 = cpu.zeros(rows, cols);
        double expected = cpu.difference(out0, cpu.of(rows, cols, a), cpu.of(rows, cols, b), 0.5f, rows, true);
        Pointer da = upload(a);
        Pointer db = upload(b);
        Pointer dout = upload(new float[n]);
        DoublePointer sum = new DoublePointer(1).put(0.0);
        Pointer dsum = new Pointer();
        cuda(cudaMalloc(dsum, 8), "cudaMalloc");
        cuda(cudaMemcpy(dsum, sum, 8, cudaMemcpyHostToDevice), "cudaMemcpy");
        launch("difference", blocks(n), 256, ptr(dout), ptr(da), ptr(db), f(0.5f), new LongPointer(1).put(n), ptr(dsum));
        cuda(cudaMemcpy(sum, dsum, 8, cudaMemcpyDeviceToHost), "cudaMemcpy");
        boolean same = mismatches(out0.toArray(), download(dout, n)) == 0;
        double rel = Math.abs(sum.get() - expected) / expected;
        report(String.format("difference (250 x 784): values bit for bit, sum of squares within %.1e of the CPU's", rel),
                same && rel < 1e-12);
        free(da, db, dout, dsum);
    }

    /** C (250, 128) = A (250, 784) B (784, 128), row-major, against the CPU's sgemm; then its time. */
    private void checkProduct() {
        int m = 250;
        int k = 784;
        int n = 128;
        float[] a = uniform(m * k, 1);
        float[] b = uniform(k * n, 1);
        Device cpu = Devices.cpu();
        Matrix c = cpu.zeros(m, n);
        cpu.gemm(cpu.of(m, k, a), false, cpu.of(k, n, b), false, c, 1f, 0f, m);
        Pointer da = upload(a);
        Pointer db = upload(b);
        Pointer dc = upload(new float[m * n]);
        cublasContext handle = new cublasContext();
        cublas(cublasCreate_v2(handle), "cublasCreate");
        cublas(cublasSetMathMode(handle, CUBLAS_DEFAULT_MATH), "cublasSetMathMode"); // FP32, no TF32
        FloatPointer one = new FloatPointer(1).put(1f);
        FloatPointer zero = new FloatPointer(1).put(0f);
        // Row-major C = A B is column-major C^T = B^T A^T: cuBLAS is given B first.
        Runnable product = () -> cublas(cublasSgemm_v2(handle, CUBLAS_OP_N, CUBLAS_OP_N, n, m, k, one,
                new FloatPointer(db), n, new FloatPointer(da), k, zero, new FloatPointer(dc), n), "cublasSgemm");
        product.run();
        float[] got = download(dc, m * n);
        float[] want = c.toArray();
        double worst = 0;
        for (int i = 0; i < got.length; i++) {
            worst = Math.max(worst, Math.abs(got[i] - want[i]) / (Math.abs(want[i]) + 1));
        }
        report(String.format("cuBLAS sgemm (250 x 784) x (784 x 128) against OpenBLAS: worst error %.1e of |C| + 1", worst),
                worst < 1e-5);
        out.printf("time: that product %.1f us (median of 5 x 200)%n", microseconds(product, 200));
        free(da, db, dc);
    }

    /** One FISTA step (l = 128, batch 250, hinge on) against the step written out here in Java floats. */
    private void checkFistaStep() {
        int n = 250;
        int l = 128;
        float[] x = abs(uniform(n * l, 1));
        float[] z = abs(uniform(n * l, 1));
        float[] grad = uniform(n * l, 1);
        float[] e = abs(uniform(n * l, 1));
        float[] mean = abs(uniform(l, 0.5f));
        float[] coef = uniform(l, 0.01f);
        float eta = 0.5f;
        float threshold = 0.5f * 0.02f;
        float gammaScale = 2f * 5f / l;
        float momentum = 0.4f;
        float tol2 = 1e-6f;
        float[] zWant = z.clone();
        float[] xWant = x.clone();
        int activeWant = 0;
        for (int s = 0; s < n; s++) {
            double change = 0;
            for (int j = 0; j < l; j++) {
                int o = s * l + j;
                float xv = x[o];
                float g = grad[o] + coef[j] * (xv - mean[j]) + gammaScale * (xv - e[o]);
                float zOld = z[o];
                float zNew = Math.max(0f, xv - eta * g - threshold);
                float d = zNew - zOld;
                zWant[o] = zNew;
                xWant[o] = zNew + momentum * d;
                change += d * d - tol2 * (zOld * zOld);
            }
            if (change < 0) { // converged: frozen, its x is its z
                System.arraycopy(zWant, s * l, xWant, s * l, l);
            } else {
                activeWant++;
            }
        }
        Pointer dx = upload(x);
        Pointer dz = upload(z);
        Pointer dg = upload(grad);
        Pointer de = upload(e);
        Pointer dmean = upload(mean);
        Pointer dcoef = upload(coef);
        Pointer ddone = uploadInts(new int[n]);
        Pointer dsteps = uploadInts(new int[n]);
        Pointer dactive = uploadInts(new int[1]);
        Pointer[] args = {ptr(dx), ptr(dz), ptr(dg), ptr(de), ptr(dmean), ptr(dcoef), ptr(ddone), ptr(dsteps),
                ptr(dactive), new IntPointer(1).put(l), f(eta), f(threshold), f(gammaScale), f(momentum), f(tol2)};
        launch("fista_step", n, 128, args);
        int active = downloadInt(dactive);
        report("fista_step (250 x 128): z and x bit for bit, " + active + " samples still active (Java: " + activeWant + ")",
                mismatches(zWant, download(dz, n * l)) == 0 && mismatches(xWant, download(dx, n * l)) == 0
                        && active == activeWant);
        out.printf("time: fista_step %.1f us a launch (median of 5 x 200; samples converge as it repeats)%n",
                microseconds(() -> launch("fista_step", n, 128, args), 200));
        free(dx, dz, dg, de, dmean, dcoef, ddone, dsteps, dactive);
    }

    // ---- helpers ----

    private void report(String what, boolean ok) {
        out.println((ok ? "pass: " : "FAIL: ") + what);
        if (!ok) {
            failures++;
        }
    }

    private void launch(String kernel, int grid, int block, Pointer... args) {
        CUfunc_st f = new CUfunc_st();
        driver(cuModuleGetFunction(f, module, kernel), "cuModuleGetFunction " + kernel);
        PointerPointer<Pointer> params = new PointerPointer<>(args.length);
        for (int i = 0; i < args.length; i++) {
            params.put(i, args[i]);
        }
        driver(cuLaunchKernel(f, grid, 1, 1, block, 1, 1, 0, null, params, null), "cuLaunchKernel " + kernel);
        cuda(cudaDeviceSynchronize(), kernel);
    }

    private float[] uniform(int n, float bound) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
        }
        return v;
    }

    private static float[] abs(float[] v) {
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.abs(v[i]);
        }
        return v;
    }

    private static int mismatches(float[] want, float[] got) {
        int bad = 0;
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToIntBits(want[i]) != Float.floatToIntBits(got[i])) {
                bad++;
            }
        }
        return bad;
    }

}
