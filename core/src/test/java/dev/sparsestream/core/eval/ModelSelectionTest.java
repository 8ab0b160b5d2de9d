package dev.sparsestream.core.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sparsestream.core.eval.LowDataClassification.Cell;
import dev.sparsestream.core.eval.ModelSelection.Candidate;
import dev.sparsestream.core.eval.ModelSelection.Choice;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelSelectionTest {

    /** A cell whose two seeds had these validation errors; its test error is set apart to catch a mix-up. */
    static Cell cell(String method, int perClass, double val1, double val2, double test) {
        return new Cell(method, perClass, perClass * 10, new long[] {0, 1}, new double[] {test, test},
                new double[] {test, test}, new int[] {1, 1}, new double[] {val1, val2});
    }

    @Test
    void eachFamilyAndSizeGetsTheLambdaWithTheBestMeanValidationAccuracy() {
        List<Candidate> cs = List.of(
                new Candidate("VDL", 0.005, 1, "a", List.of(cell("a", 1, 0.50, 0.40, 0.9), cell("a", 10, 0.20, 0.20, 0.8))),
                // best at 1 per class by its mean (0.40) though its first seed (0.46) is worse than a's second
                new Candidate("VDL", 0.02, 1, "b", List.of(cell("b", 1, 0.46, 0.34, 0.7), cell("b", 10, 0.25, 0.15, 0.6))),
                new Candidate("SDL", 0.001, 1, "c", List.of(cell("c", 1, 0.90, 0.90, 0.5), cell("c", 10, 0.10, 0.10, 0.4))),
                new Candidate("SDL", 0.005, 1, "d", List.of(cell("d", 1, 0.30, 0.30, 0.3))));
        List<Choice> got = ModelSelection.choose(cs);
        assertEquals(4, got.size());
        // VDL at 1 per class: b (mean 0.40 < 0.45)
        assertEquals("VDL", got.get(0).family());
        assertEquals(1, got.get(0).perClass());
        assertEquals(0.02, got.get(0).lambda());
        assertEquals(0.7, got.get(0).cell().top1Mean(), 1e-12); // the winner's test error is reported
        assertEquals(2, got.get(0).candidates());
        // VDL at 10 per class: a tie at 0.20 goes to the earlier candidate
        assertEquals(10, got.get(1).perClass());
        assertEquals("a", got.get(1).source());
        // SDL at 1 per class: d; at 10 only c competes
        assertEquals("d", got.get(2).source());
        assertEquals(0.3, got.get(2).cell().top1Mean(), 1e-12);
        assertEquals(10, got.get(3).perClass());
        assertEquals("c", got.get(3).source());
        assertEquals(1, got.get(3).candidates());
    }

    @Test
    void aCandidateWithoutAFiniteValidationFigureNeverWins() {
        List<Candidate> cs = List.of(
                new Candidate("DO", 0.001, 1, "nan", List.of(cell("nan", 5, Double.NaN, Double.NaN, 0.1))),
                new Candidate("DO", 0.005, 1, "ok", List.of(cell("ok", 5, 0.6, 0.6, 0.9))));
        assertEquals("ok", ModelSelection.choose(cs).get(0).source());
    }
}
