package dev.sparsestream.actors;

import dev.sparsestream.protocol.MonitorState;

/**
 * How a run ended: completed (all epochs, or early stopping), stopped on request, or failed; with the
 * monitor's final state (history, best epoch and its weights) and the last snapshot written (or null).
 */
public record RunOutcome(Status status, String message, MonitorState monitor, java.nio.file.Path lastSnapshot,
                         long batchesApplied) {
    public enum Status { COMPLETED, STOPPED, FAILED }
}
