package dev.sparsestream.core.eval;

import dev.sparsestream.core.eval.LowDataClassification.Cell;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Figure 9's protocol: among the models of one family (a sweep over lambda), the one whose classifier has the
 * best validation accuracy is chosen, separately for every number of labelled samples per class; its test
 * error is what is reported. Validation accuracy is the mean over the classifier's seeds, so a model is chosen
 * once per cell, not once per seed.
 */
public final class ModelSelection {
    private ModelSelection() {
    }

    /**
     * A trained model and its classification cells (one per size).
     *
     * @param family the model family (SDL, VDL-NL, ...): candidates compete within their family only
     * @param source where the model came from (its run folder)
     */
    public record Candidate(String family, double lambda, long seed, String source, List<Cell> cells) {
        public Candidate {
            cells = List.copyOf(cells);
        }
    }

    /** The candidate that won a family's cell, with its cell and how many it was chosen from. */
    public record Choice(String family, int perClass, double lambda, long seed, String source, int candidates, Cell cell) {
    }

    /**
     * For each family (in the order first met) and each size (in the order of its first candidate's cells), the
     * candidate with the lowest mean validation top-1 error; ties go to the earlier candidate. A candidate
     * without a cell for a size does not compete there.
     */
    public static List<Choice> choose(List<Candidate> candidates) {
        Map<String, List<Candidate>> byFamily = new LinkedHashMap<>();
        for (Candidate c : candidates) {
            byFamily.computeIfAbsent(c.family(), k -> new ArrayList<>()).add(c);
        }
        List<Choice> out = new ArrayList<>();
        for (List<Candidate> family : byFamily.values()) {
            List<Integer> sizes = new ArrayList<>();
            for (Candidate c : family) {
                for (Cell cell : c.cells()) {
                    if (!sizes.contains(cell.perClass())) {
                        sizes.add(cell.perClass());
                    }
                }
            }
            for (int size : sizes) {
                Candidate best = null;
                Cell bestCell = null;
                int competing = 0;
                for (Candidate c : family) {
                    Cell cell = c.cells().stream().filter(x -> x.perClass() == size).findFirst().orElse(null);
                    if (cell == null) {
                        continue;
                    }
                    competing++;
                    // NaN (no finite validation figure) never wins against a number
                    if (bestCell == null || cell.valTop1Mean() < bestCell.valTop1Mean()
                            || Double.isNaN(bestCell.valTop1Mean()) && !Double.isNaN(cell.valTop1Mean())) {
                        best = c;
                        bestCell = cell;
                    }
                }
                out.add(new Choice(best.family(), size, best.lambda(), best.seed(), best.source(), competing, bestCell));
            }
        }
        return out;
    }
}
