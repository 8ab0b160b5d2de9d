package dev.sparsestream.core.model;

import dev.sparsestream.core.data.Normalisation;

/**
 * Table 3 of the paper for MNIST (REFERENCE.md, "Hyperparameters"): batch 250, L = 3, K = 200,
 * l = 128, m = 1024. The lambda given is the one the paper's headline figures use; every value can be
 * overridden.
 */
public final class Presets {
    public static final int MNIST_DIM = 784;
    public static final int MNIST_CODE = 128;
    public static final int MNIST_HIDDEN = 1024;

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
            case DO_NL -> mnist(f, 0.01, 0, 0, 0, 1e-3, 1e-4, 1e-3, 0, 1, 0, 0);
        };
    }

    private static ModelConfig mnist(Family f, double lambda, double gamma, double beta, double t, double lrD,
                                     double lrE, double wdB1, double wdB, double eta, int halving, double wdD) {
        return new ModelConfig(f, "mnist", MNIST_DIM, MNIST_CODE, f.nonLinear() ? MNIST_HIDDEN : 0, 3,
                lambda, beta, t, gamma, eta, 200, 1e-3, lrD, lrE, wdD, wdB1, wdB, halving, 250, 200, 0, 1L,
                Normalisation.MNIST);
    }
}
