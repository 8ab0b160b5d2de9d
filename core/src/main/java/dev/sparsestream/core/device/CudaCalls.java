package dev.sparsestream.core.device;

import static org.bytedeco.cuda.global.cudart.cudaEventCreate;
import static org.bytedeco.cuda.global.cudart.cudaEventElapsedTime;
import static org.bytedeco.cuda.global.cudart.cudaEventRecord;
import static org.bytedeco.cuda.global.cudart.cudaEventSynchronize;
import static org.bytedeco.cuda.global.cudart.cudaFree;
import static org.bytedeco.cuda.global.cudart.cudaGetErrorString;
import static org.bytedeco.cuda.global.cudart.cudaMalloc;
import static org.bytedeco.cuda.global.cudart.cudaMemcpy;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyDeviceToHost;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyHostToDevice;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetErrorString;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.cuda.cudart.CUevent_st;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * The CUDA calls the probe makes, each checked: the libraries loaded, device memory in and out, kernel arguments,
 * event timing, and the four libraries' status codes turned into exceptions that name the call.
 */
final class CudaCalls {
    private CudaCalls() {
    }

    static double microseconds(Runnable r, int reps) {
        CUevent_st start = new CUevent_st();
        CUevent_st stop = new CUevent_st();
        cuda(cudaEventCreate(start), "cudaEventCreate");
        cuda(cudaEventCreate(stop), "cudaEventCreate");
        List<Double> times = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
            cuda(cudaEventRecord(start), "cudaEventRecord");
            for (int i = 0; i < reps; i++) {
                r.run();
            }
            cuda(cudaEventRecord(stop), "cudaEventRecord");
            cuda(cudaEventSynchronize(stop), "cudaEventSynchronize");
            float[] ms = new float[1];
            cuda(cudaEventElapsedTime(ms, start, stop), "cudaEventElapsedTime");
            times.add(ms[0] * 1000.0 / reps);
        }
        times.sort(null);
        return times.get(2);
    }

    /** A kernel argument that is a device pointer: a host cell holding its address. */
    static Pointer ptr(Pointer device) {
        return new PointerPointer<>(1).put(0, device);
    }

    static Pointer f(float v) {
        return new FloatPointer(1).put(v);
    }

    static int blocks(long count) {
        return (int) Math.min(4096, (count + 255) / 256);
    }

    static Pointer upload(float[] values) {
        return toDevice(new FloatPointer(values), 4L * values.length);
    }

    static Pointer uploadInts(int[] values) {
        return toDevice(new IntPointer(values), 4L * values.length);
    }

    static Pointer toDevice(Pointer host, long bytes) {
        Pointer d = new Pointer();
        cuda(cudaMalloc(d, bytes), "cudaMalloc");
        cuda(cudaMemcpy(d, host, bytes, cudaMemcpyHostToDevice), "cudaMemcpy");
        return d;
    }

    static float[] download(Pointer d, int count) {
        FloatPointer host = new FloatPointer(count);
        cuda(cudaMemcpy(host, d, 4L * count, cudaMemcpyDeviceToHost), "cudaMemcpy");
        float[] out = new float[count];
        host.get(out);
        return out;
    }

    static int downloadInt(Pointer d) {
        IntPointer host = new IntPointer(1);
        cuda(cudaMemcpy(host, d, 4, cudaMemcpyDeviceToHost), "cudaMemcpy");
        return host.get(0);
    }

    static void free(Pointer... ps) {
        for (Pointer p : ps) {
            cudaFree(p);
        }
    }

    static void cuda(int status, String what) {
        if (status != 0) {
            throw new IllegalStateException(what + ": " + cudaGetErrorString(status).getString() + " (" + status + ")");
        }
    }

    static void driver(int status, String what) {
        if (status != 0) {
            throw new IllegalStateException(what + ": CUDA driver error " + status);
        }
    }

    static void nvrtc(int status, String what) {
        if (status != 0) {
            throw new IllegalStateException(what + ": " + nvrtcGetErrorString(status).getString());
        }
    }

    static void cublas(int status, String what) {
        if (status != 0) {
            throw new IllegalStateException(what + ": cuBLAS status " + status);
        }
    }

    /**
     * Loads each library by its full path, dependencies first, so that the JNI bindings' own loading finds them
     * already in the process by soname (LD_LIBRARY_PATH cannot be changed inside a running JVM). NVRTC's
     * builtins, which it opens itself when compiling, are loaded from NVRTC's folder when they are there.
     */
    static void load(CudaLibraries.Search libraries) {
        // JavaCPP's own loader looks for its presets' libraries here too (before the system's search path).
        System.setProperty("org.bytedeco.javacpp.platform.preloadpath", libraries.folders().stream()
                .map(Path::toString).collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator)));
        for (String soname : List.of("libcuda.so.1", "libcudart.so.13", "libcublasLt.so.13", "libcublas.so.13")) {
            System.load(libraries.found().get(soname).toString());
        }
        Path nvrtc = libraries.found().get("libnvrtc.so.13");
        try (DirectoryStream<Path> s = Files.newDirectoryStream(nvrtc.getParent(), "libnvrtc-builtins.so*")) {
            for (Path p : s) {
                System.load(p.toString());
                break;
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + nvrtc.getParent() + ": " + e.getMessage(), e);
        }
        System.load(nvrtc.toString());
    }
}
