package dev.sparsestream.protocol;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Messages and bytes the protocol's serializer has written and read in this JVM, by message class: the
 * traffic between nodes (messages within a node are never serialised). A cluster runs one node per JVM;
 * tests running several nodes in one JVM see their sum.
 */
public final class ProtocolTraffic {

    /** Messages and their bytes (protocol version and class id included). */
    public record Count(long messages, long bytes) {
    }

    /** Totals for one message class, both directions. */
    public record Flow(Count sent, Count received) {
    }

    private static final class Counter {
        final LongAdder messages = new LongAdder();
        final LongAdder bytes = new LongAdder();

        void add(int size) {
            messages.increment();
            bytes.add(size);
        }

        Count count() {
            return new Count(messages.sum(), bytes.sum());
        }
    }

    private static final Map<Class<?>, Counter> SENT = new ConcurrentHashMap<>();
    private static final Map<Class<?>, Counter> RECEIVED = new ConcurrentHashMap<>();

    private ProtocolTraffic() {
    }

    static void sent(Class<?> type, int bytes) {
        SENT.computeIfAbsent(type, t -> new Counter()).add(bytes);
    }

    static void received(Class<?> type, int bytes) {
        RECEIVED.computeIfAbsent(type, t -> new Counter()).add(bytes);
    }

    /** What was sent and received of {@code type} so far. */
    public static Flow of(Class<?> type) {
        Counter s = SENT.get(type);
        Counter r = RECEIVED.get(type);
        return new Flow(s == null ? new Count(0, 0) : s.count(), r == null ? new Count(0, 0) : r.count());
    }

    /** Every class seen so far, by simple name (Outer.Inner for the protocol's nested records). */
    public static Map<String, Flow> all() {
        Map<String, Flow> out = new TreeMap<>();
        for (Class<?> c : union()) {
            out.put(name(c), of(c));
        }
        return out;
    }

    /** Bytes sent of the weight messages (a worker's first model and later versions). */
    public static Count weightsSent() {
        Count a = of(WorkerCommand.Configure.class).sent();
        Count b = of(WorkerCommand.UpdateWeights.class).sent();
        return new Count(a.messages() + b.messages(), a.bytes() + b.bytes());
    }

    private static java.util.Set<Class<?>> union() {
        java.util.Set<Class<?>> all = new java.util.HashSet<>(SENT.keySet());
        all.addAll(RECEIVED.keySet());
        return all;
    }

    private static String name(Class<?> c) {
        return c.getEnclosingClass() == null ? c.getSimpleName() : c.getEnclosingClass().getSimpleName() + "." + c.getSimpleName();
    }
}
