// The CUDA device's kernels: the CPU device's fused elementwise steps (CpuDevice) and FISTA's step (CpuFista),
// one thread per element unless a kernel says otherwise. Compiled at start with NVRTC for the device's compute
// capability, with --fmad=false: each a * b + c is then rounded twice, as Java's float arithmetic does, so that
// elementwise results equal the CPU's and only the products' and the reductions' summation order differs.
// Matrices are row-major float32 (rows, cols); `rows` limits a kernel to a batch's first rows. No host headers:
// NVRTC compiles this file alone.

#define GRID_STRIDE(i, count) \
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < (count); \
         i += (long long) gridDim.x * blockDim.x)

// Block-wide sum of one double per thread (blockDim.x a power of two, at most 1024); thread 0 gets the total.
__device__ double block_sum(double v) {
    __shared__ double partial[32];
    for (int offset = 16; offset > 0; offset >>= 1) {
        v += __shfl_down_sync(0xffffffffu, v, offset);
    }
    int lane = threadIdx.x & 31;
    int warp = threadIdx.x >> 5;
    if (lane == 0) {
        partial[warp] = v;
    }
    __syncthreads();
    int warps = (blockDim.x + 31) >> 5;
    v = threadIdx.x < warps ? partial[threadIdx.x] : 0.0;
    if (warp == 0) {
        for (int offset = 16; offset > 0; offset >>= 1) {
            v += __shfl_down_sync(0xffffffffu, v, offset);
        }
    }
    __syncthreads(); // partial[] is free for the caller's next sum
    return v;
}

// x[0:rows] = relu(x + b), b (1, cols) broadcast over rows.
extern "C" __global__ void bias_relu(float* x, const float* b, int rows, int cols) {
    GRID_STRIDE(i, (long long) rows * cols) {
        x[i] = fmaxf(0.0f, x[i] + b[i % cols]);
    }
}

// g[0:rows] *= 1[h > 0].
extern "C" __global__ void relu_mask(float* g, const float* h, long long count) {
    GRID_STRIDE(i, count) {
        g[i] = h[i] > 0.0f ? g[i] : 0.0f;
    }
}

// x[0:rows] += b (broadcast), out[0:rows] = relu(x); x keeps the sum.
extern "C" __global__ void add_bias_relu(float* x, const float* b, float* out, int rows, int cols) {
    GRID_STRIDE(i, (long long) rows * cols) {
        float v = x[i] + b[i % cols];
        x[i] = v;
        out[i] = fmaxf(0.0f, v);
    }
}

// x[0:rows] = relu(x + a), a of x's shape.
extern "C" __global__ void add_relu(float* x, const float* a, long long count) {
    GRID_STRIDE(i, count) {
        x[i] = fmaxf(0.0f, x[i] + a[i]);
    }
}

// out = scale (a - b), the difference formed in float; *sum += sum (a - b)^2 in double when sum is not null
// (out may be a). One block's partial sum is added once, by its thread 0.
extern "C" __global__ void difference(float* out, const float* a, const float* b, float scale, long long count,
                                      double* sum) {
    double local = 0.0;
    GRID_STRIDE(i, count) {
        float d = a[i] - b[i];
        local += (double) d * (double) d;
        out[i] = __fmul_rn(scale, d);
    }
    if (sum != 0) {
        double total = block_sum(local);
        if (threadIdx.x == 0) {
            atomicAdd(sum, total);
        }
    }
}

// dIn = dOut * 1[h > 0]; sum += dIn (or sum = dIn when not accumulate).
extern "C" __global__ void relu_backward(const float* dOut, const float* h, float* dIn, float* sum, int accumulate,
                                         long long count) {
    GRID_STRIDE(i, count) {
        float g = h[i] > 0.0f ? dOut[i] : 0.0f;
        dIn[i] = g;
        sum[i] = accumulate ? sum[i] + g : g;
    }
}

// out[i] = (accumulate ? out[i] : 0) + scale sum_j a_ij b_ij, in double: one block per row.
extern "C" __global__ void row_dots(const float* a, const float* b, double scale, int cols, double* out,
                                    int accumulate) {
    long long row = blockIdx.x;
    double local = 0.0;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        local += (double) a[row * cols + j] * (double) b[row * cols + j];
    }
    double total = block_sum(local);
    if (threadIdx.x == 0) {
        out[row] = (accumulate ? out[row] : 0.0) + scale * total;
    }
}

// out (1, cols) = the column sums of x (rows, cols), in float and in row order, as the CPU adds them.
extern "C" __global__ void column_sums(const float* x, int rows, int cols, float* out) {
    GRID_STRIDE(j, cols) {
        float acc = 0.0f;
        for (int i = 0; i < rows; i++) {
            acc += x[(long long) i * cols + j];
        }
        out[j] = acc;
    }
}

// Every column of w (rows, cols) to unit L2 norm, the squares summed in double; a zero column stays zero.
extern "C" __global__ void normalise_columns(float* w, int rows, int cols) {
    GRID_STRIDE(j, cols) {
        double sq = 0.0;
        for (int i = 0; i < rows; i++) {
            double v = w[(long long) i * cols + j];
            sq += v * v;
        }
        float inv = sq > 0.0 ? (float) (1.0 / sqrt(sq)) : 0.0f;
        for (int i = 0; i < rows; i++) {
            long long o = (long long) i * cols + j;
            w[o] = __fmul_rn(w[o], inv);
        }
    }
}

// One Adam step, PyTorch's float32 operations in PyTorch's order (CpuDevice.adamRange).
extern "C" __global__ void adam_step(float* p, const float* g, float* m, float* v, long long count, float stepSize,
                                     float oneMinusBeta1, float beta2, float oneMinusBeta2, float eps,
                                     float weightDecay, float biasCorrection2Sqrt) {
    GRID_STRIDE(i, count) {
        float pv = p[i];
        float gv = weightDecay != 0.0f ? __fadd_rn(g[i], __fmul_rn(weightDecay, pv)) : g[i];
        float mOld = m[i];
        float mv = __fadd_rn(mOld, __fmul_rn(oneMinusBeta1, __fsub_rn(gv, mOld)));
        float vv = __fadd_rn(__fmul_rn(beta2, v[i]), __fmul_rn(__fmul_rn(oneMinusBeta2, gv), gv));
        m[i] = mv;
        v[i] = vv;
        float denom = __fadd_rn(__fdiv_rn(__fsqrt_rn(vv), biasCorrection2Sqrt), eps);
        p[i] = __fsub_rn(pv, __fmul_rn(stepSize, __fdiv_rn(mv, denom)));
    }
}

// ---- FISTA (docs/method.md, "FISTA") ----
// The batch stays in place: a converged sample is flagged done, its x set to its z, and skipped from then on
// (the CPU moves it behind the active rows instead; on the GPU a masked row costs less than a reordering).

// The variance hinge's per-component statistics at x over all n samples (done ones through their x = z):
// colMean_j = mu_j and colCoef_j = -(2 beta/(n-1)) (T - s_j)/s_j for 0 < s_j < T, else 0, with s_j the
// unbiased standard deviation, both passes in double. One block per component j.
extern "C" __global__ void fista_hinge(const float* x, int n, int l, double beta, double hingeT, float* colMean,
                                       float* colCoef) {
    int j = blockIdx.x;
    double local = 0.0;
    for (int s = threadIdx.x; s < n; s += blockDim.x) {
        local += x[(long long) s * l + j];
    }
    __shared__ double mean;
    double total = block_sum(local);
    if (threadIdx.x == 0) {
        mean = total / n;
    }
    __syncthreads();
    local = 0.0;
    for (int s = threadIdx.x; s < n; s += blockDim.x) {
        double c = x[(long long) s * l + j] - mean;
        local += c * c;
    }
    double sq = block_sum(local);
    if (threadIdx.x == 0) {
        double var = fmax(0.0, sq / (n - 1));
        double sd = sqrt(var);
        colMean[j] = (float) mean;
        colCoef[j] = sd > 0.0 && sd < hingeT ? (float) (-(2.0 * beta / (n - 1)) * (hingeT - sd) / sd) : 0.0f;
    }
}

// One fixed-size step of every sample not yet done: one block per sample, threads over its l components.
// On entry grad holds the reconstruction term's gradient at x; e is the encoder's codes (zeros when gamma = 0);
// colMean and colCoef are the hinge's (zeros without it).
//   g = grad + coef (x - mu) + gammaScale (x - e);  z' = max(0, x - eta g - threshold);  x' = z' + momentum (z' - z)
// The sample has converged when ||z' - z||^2 < tol2 ||z||^2 (a code that stays all zero counts as converged):
// done[s] is set and x' = z' from then on; otherwise steps[s] is counted and *active gains one.
extern "C" __global__ void fista_step(float* x, float* z, const float* grad, const float* e, const float* colMean,
                                      const float* colCoef, int* done, int* steps, int* active, int l, float eta,
                                      float threshold, float gammaScale, float momentum, float tol2) {
    long long s = blockIdx.x;
    if (done[s]) {
        return; // uniform over the block: no thread reaches the sums below
    }
    double change = 0.0;
    double nonZero = 0.0;
    for (int j = threadIdx.x; j < l; j += blockDim.x) {
        long long o = s * l + j;
        float xv = x[o];
        float g = __fadd_rn(__fadd_rn(grad[o], __fmul_rn(colCoef[j], __fsub_rn(xv, colMean[j]))),
                            __fmul_rn(gammaScale, __fsub_rn(xv, e[o])));
        float zOld = z[o];
        float zNew = fmaxf(0.0f, __fsub_rn(__fsub_rn(xv, __fmul_rn(eta, g)), threshold));
        float d = __fsub_rn(zNew, zOld);
        z[o] = zNew;
        x[o] = __fadd_rn(zNew, __fmul_rn(momentum, d));
        change += (double) __fsub_rn(__fmul_rn(d, d), __fmul_rn(tol2, __fmul_rn(zOld, zOld)));
        nonZero += zNew != 0.0f ? 1.0 : 0.0;
    }
    double sum = block_sum(change);
    double used = block_sum(nonZero);
    __shared__ int converged;
    if (threadIdx.x == 0) {
        converged = sum < 0.0 || (sum == 0.0 && used == 0.0);
        if (converged) {
            done[s] = 1;
        } else {
            steps[s] += 1;
            atomicAdd(active, 1);
        }
    }
    __syncthreads();
    if (converged) {
        for (int j = threadIdx.x; j < l; j += blockDim.x) {
            x[s * l + j] = z[s * l + j]; // frozen: its x is its z for the hinge's statistics
        }
    }
}
