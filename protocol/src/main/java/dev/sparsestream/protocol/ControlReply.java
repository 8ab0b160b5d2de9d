package dev.sparsestream.protocol;

/** The answer to a control request (set lambda, snapshot, stop): accepted with a detail, or refused. */
public sealed interface ControlReply permits ControlReply.Accepted, ControlReply.Rejected {
    String message();

    record Accepted(String message) implements ControlReply {
    }

    record Rejected(String message) implements ControlReply {
    }
}
