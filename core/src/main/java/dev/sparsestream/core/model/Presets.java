package dev.sparsestream.core.model;

import dev.sparsestream.core.data.Normalisation;

/**
 * Table 3 of the paper (docs/method.md, "Hyperparameters"): batch 250, L = 3 LISTA iterations, at most
 * S_max = 200 FISTA steps. MNIST: l = 128, m = 1024, 200 epochs; natural-image patches: l = 256, m = 2048,
 * 100 epochs. The lambda given is the one the paper's headline figures use; every value can be overridden.
 */
public final class Presets {
    public static final int MNIST_DIM = 784;
    public static final int MNIST_CODE = 128;
    public static final int MNIST_HIDDEN = 1024;
    public static final int PATCH_DIM = 784;
    public static final int PATCH_CODE = 256;
    public static final int PATCH_HIDDEN = 2048;

    /** The grey normalisation of patches before LCN, x = (v - 0.457) / 0.259. */
    public static final Normalisation PATCH_GREY = new Normalisation(0.457, 0.259);

    /** VDL-NL on patches: gamma 20 below this lambda, 40 from it on (Table 3). */
    public static final double PATCH_VDL_NL_GAMMA_40_FROM = 1e-2;

    private Presets() {
    }

    public static ModelConfig mnist(Family f) {
        // columns: lambda, gamma, beta, T, lrD, lrE, wd(b1), wd(b), eta, lr halving, decoder wd
        return switch (f) {
            case SDL -> mnist(f, 0.005, 1, 0, 0, 1e-3, 3e-4, 0, 0, 1, 0, 0);
            case VDL -> mnist(f, 0.02, 5, 10, 0.5, 3e-4, 1e-4, 0, 0, 0.5, 0, 0);
            case WDL -> mnist(f, 0.005, 1, 0, 0, 1e-3, 3e-4, 0, 0, 1, 0, 5e-4);
            case DO -> mnist(f, 0.005, 0, 0, 0, 1e-3, 3e-4, 0, 0, 1, 0, 0);
            case SDL_NL -> mnist(f, 0.01, 1, 0, 0, 1e-3, 1e-4, 1e-3, 0, 1, 0, 0);
            case VDL_NL -> mnist(f, 0.01, 100, 10, 0.5, 3e-4, 1e-4, 1e-3, 0, 0.5, 30, 0);
            case WDL_NL -> mnist(f, 0.01, 1, 0, 0, 1e-3, 1e-4, 1e-3, 0, 1, 0, 5e-4);
            // 0.003, not SDL-NL's 0.01: from its constant start, an untrained DO-NL's codes all reach zero at 0.01
            // (and half its components at 0.005), and with every code zero nothing learns (docs/method.md)
            case DO_NL -> mnist(f, 0.003, 0, 0, 0, 1e-3, 1e-4, 1e-3, 0, 1, 0, 0);
        };
    }

    /**
     * Table 3's "patches" rows at the lambda of the paper's headline figures (SDL 0.002, VDL 0.005, the
     * non-linear ones 0.003).
     */
    public static ModelConfig patches(Family f) {
        return patches(f, switch (f) {
            case SDL, WDL, DO -> 0.002;
            case VDL -> 0.005;
            case SDL_NL, VDL_NL, WDL_NL, DO_NL -> 0.003;
        });
    }

    /** Table 3's "patches" row of f at this lambda (it picks VDL-NL's gamma: 20 below 1e-2, 40 from 1e-2 on). */
    public static ModelConfig patches(Family f, double lambda) {
        double vdlNlGamma = lambda >= PATCH_VDL_NL_GAMMA_40_FROM ? 40 : 20;
        // columns: lambda, gamma, beta, T, lrD, lrE, wd(b1), wd(b), eta, lr halving, decoder wd
        return switch (f) {
            case SDL -> patches(f, lambda, 1, 0, 0, 1e-3, 1e-4, 0, 1e-2, 0.5, 0, 0);
            case VDL -> patches(f, lambda, 5, 10, 0.5, 3e-4, 1e-4, 0, 1e-2, 0.5, 0, 0);
            case WDL -> patches(f, lambda, 1, 0, 0, 1e-3, 1e-4, 0, 1e-2, 0.5, 0, 5e-4);
            case DO -> patches(f, lambda, 0, 0, 0, 1e-3, 1e-4, 0, 1e-2, 0.5, 0, 0);
            case SDL_NL -> patches(f, lambda, 1, 0, 0, 1e-3, 1e-4, 1e-2, 1e-2, 0.5, 0, 0);
            case VDL_NL -> patches(f, lambda, vdlNlGamma, 10, 0.5, 5e-5, 1e-4, 1e-1, 1e-2, 0.5, 30, 0);
            case WDL_NL -> patches(f, lambda, 1, 0, 0, 1e-3, 1e-4, 1e-2, 1e-2, 0.5, 0, 5e-4);
            case DO_NL -> patches(f, lambda, 0, 0, 0, 1e-3, 1e-4, 1e-2, 1e-2, 0.5, 0, 0);
        };
    }

    /**
     * For users' own vectors of dimension d: MNIST's Table 3 values (l = 128, m = 1024) with PSNR in the given
     * space (see {@code VectorData}).
     */
    public static ModelConfig vectors(Family f, int d, Normalisation pixelSpace) {
        ModelConfig.Builder b = mnist(f).toBuilder();
        b.dataset = "vectors";
        b.dataDim = d;
        b.normalisation = pixelSpace;
        return b.build();
    }

    private static ModelConfig mnist(Family f, double lambda, double gamma, double beta, double t, double lrD,
                                     double lrE, double wdB1, double wdB, double eta, int halving, double wdD) {
        return new ModelConfig(f, "mnist", MNIST_DIM, MNIST_CODE, f.nonLinear() ? MNIST_HIDDEN : 0, 3,
                lambda, beta, t, gamma, eta, 200, 1e-3, false, lrD, lrE, wdD, wdB1, wdB, halving, 250, 200, 0, 1L,
                Normalisation.MNIST);
    }

    private static ModelConfig patches(Family f, double lambda, double gamma, double beta, double t, double lrD,
                                       double lrE, double wdB1, double wdB, double eta, int halving, double wdD) {
        return new ModelConfig(f, "patches", PATCH_DIM, PATCH_CODE, f.nonLinear() ? PATCH_HIDDEN : 0, 3,
                lambda, beta, t, gamma, eta, 200, 1e-3, false, lrD, lrE, wdD, wdB1, wdB, halving, 250, 100, 0, 1L,
                PATCH_GREY);
    }
}
