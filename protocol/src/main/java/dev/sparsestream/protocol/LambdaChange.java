package dev.sparsestream.protocol;

/** Lambda set to {@code lambda} from batch {@code fromSeq} on (the first batch the workers started with it). */
public record LambdaChange(long fromSeq, double lambda) {
}
