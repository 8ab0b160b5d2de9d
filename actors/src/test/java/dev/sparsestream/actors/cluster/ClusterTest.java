package dev.sparsestream.actors.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.sparsestream.actors.InferenceWorker;
import dev.sparsestream.actors.NodeData;
import dev.sparsestream.actors.Learner;
import dev.sparsestream.actors.RunListener;
import dev.sparsestream.actors.RunOutcome;
import dev.sparsestream.actors.RunSettings;
import dev.sparsestream.actors.StreamingTrainer;
import dev.sparsestream.actors.TrainingRun;
import dev.sparsestream.core.data.MnistData;
import dev.sparsestream.core.data.Splits;
import dev.sparsestream.core.device.Devices;
import dev.sparsestream.core.model.Family;
import dev.sparsestream.core.model.ModelConfig;
import dev.sparsestream.core.model.Presets;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.core.model.Weights;
import dev.sparsestream.protocol.BatchRecord;
import dev.sparsestream.protocol.LearnerCommand;
import dev.sparsestream.protocol.LearnerStatus;
import dev.sparsestream.protocol.ProtocolKryo;
import dev.sparsestream.protocol.ProtocolTraffic;
import dev.sparsestream.protocol.WorkerCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Several cluster nodes in one JVM, talking over loopback through Artery TCP and the protocol's Kryo
 * serialisation (every message between nodes is serialised; nothing is shared but the JVM).
 */
class ClusterTest {
    private static final Duration DOWN_AFTER = Duration.ofSeconds(2);
    private final List<ActorSystem<?>> systems = new ArrayList<>();

    @AfterEach
    void terminateAll() throws Exception {
        for (ActorSystem<?> s : systems) {
            s.terminate();
        }
        for (ActorSystem<?> s : systems) {
            s.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    static Config node(String role, Config overrides) {
        return ClusterNode.config(role, "127.0.0.1", 0, null, ClusterNode.DEFAULT_MAX_MESSAGE_BYTES, DOWN_AFTER,
                overrides);
    }

    /** A node that dies rather than leaves: terminating it does not say goodbye to the cluster first. */
    static final Config CRASHES = ConfigFactory.parseString(
            "pekko.coordinated-shutdown.run-by-actor-system-terminate = off");

    static void awaitUp(ActorSystem<?> system, int members) {
        TestProbe.create(system).awaitAssert(Duration.ofSeconds(30), () -> {
            var state = Cluster.get(system).state();
            long up = java.util.stream.StreamSupport.stream(state.getMembers().spliterator(), false)
                    .filter(m -> m.status() == MemberStatus.up()).count();
            assertEquals(members, up, "members up");
            return null;
        });
    }

    /** A seed node without a run, started and joined to itself. */
    ActorSystem<Void> bareSeed(Config overrides) {
        ActorSystem<Void> seed = ActorSystem.create(Behaviors.empty(), ClusterNode.SYSTEM_NAME,
                node(TrainingRun.SEED_ROLE, overrides));
        systems.add(seed);
        ClusterNode.joinSelf(seed);
        return seed;
    }

    /** A worker node with one worker, joining {@code seed}. */
    ActorSystem<?> workerNode(Config overrides, ActorSystem<?> seed) {
        ActorSystem<?> worker = ActorSystem.create(WorkerNode.create(1, Devices.cpu(), NodeData.NONE), ClusterNode.SYSTEM_NAME,
                node(ClusterNode.WORKER_ROLE, overrides));
        systems.add(worker);
        ClusterNode.joinSeed(worker, ClusterNode.address(ClusterNode.hostPort(seed)));
        return worker;
    }

    static Path mnist() {
        for (Path dir : new Path[] {MnistData.defaultMnistDir(), Path.of("..", "data", "mnist")}) {
            if (Files.isDirectory(dir)) {
                return dir;
            }
        }
        return null;
    }

    @Test
    void threeNodesTrainOnMnistAndAWorkerNodeDyingMidEpochLosesNoBatch() throws Exception {
        Path dir = mnist();
        assumeTrue(dir != null, "MNIST not found; run ./sparse-stream fetch mnist");
        Splits data = MnistData.load(dir);
        ModelConfig.Builder b = Presets.mnist(Family.VDL).toBuilder();
        b.epochs = 2;
        ModelConfig c = b.build();
        int perEpoch = 24;
        var train = data.train().head(perEpoch * c.batchSize());
        var val = data.val().head(500);

        // The seed: data source, learner (a cluster singleton), monitor, one local worker. K = 2: three batches
        // in flight, one per node's worker.
        List<Weights> updates = Collections.synchronizedList(new ArrayList<>());
        // The seed's worker holds batch 0 until every node is in, so that the kill falls in the first epoch however
        // slowly nodes join: nothing is applied before batch 0, and at most K + 1 batches are in flight.
        CountDownLatch allIn = new CountDownLatch(1);
        AtomicInteger seedBatches = new AtomicInteger();
        InferenceWorker.BeforeInference holdFirst = batch -> {
            if (seedBatches.incrementAndGet() == 1) {
                try {
                    allIn.await(120, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        // The worker nodes are offered the training set: the survivor reads its own copy (loaded apart from the
        // seed's) and is sent rows; the doomed node's copy is another set, so it is sent pixels.
        var parts = new TrainingRun.Parts(new RunSettings(c, 1, 2, 0, null, true), SparseAutoencoder.initialise(c),
                train, val, null, RunListener.NONE, updates::add, holdFirst, "{\"dataset\":\"mnist\"}");
        var rowsBefore = ProtocolTraffic.of(WorkerCommand.InferRows.class).received().messages();
        StreamingTrainer seed = StreamingTrainer.start(parts, node(TrainingRun.SEED_ROLE, null));
        systems.add(seed.system());
        String seedAddress = ClusterNode.hostPort(seed.system());

        // A worker node that lives, and one that holds its second batch until it is killed.
        AtomicInteger survivorBatches = new AtomicInteger();
        ActorSystem<?> survivor = ActorSystem.create(WorkerNode.create(1, Devices.cpu(), batch -> survivorBatches.incrementAndGet(),
                        (rows, configJson) -> MnistData.load(dir).train().head(perEpoch * c.batchSize())),
                ClusterNode.SYSTEM_NAME, node(ClusterNode.WORKER_ROLE, null));
        systems.add(survivor);
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch killed = new CountDownLatch(1);
        AtomicInteger doomedBatches = new AtomicInteger();
        InferenceWorker.BeforeInference holdSecond = batch -> {
            if (doomedBatches.incrementAndGet() == 2) {
                holding.countDown();
                try {
                    killed.await(60, TimeUnit.SECONDS); // its answer then goes nowhere: the node is gone
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        ActorSystem<?> doomed = ActorSystem.create(WorkerNode.create(1, Devices.cpu(), holdSecond,
                        (rows, configJson) -> MnistData.load(dir).train().head(perEpoch * c.batchSize() + 1)),
                ClusterNode.SYSTEM_NAME,
                node(ClusterNode.WORKER_ROLE, CRASHES));
        systems.add(doomed);
        ClusterNode.joinSeed(survivor, ClusterNode.address(seedAddress));
        ClusterNode.joinSeed(doomed, ClusterNode.address(seedAddress));
        awaitUp(seed.system(), 3);
        TestProbe<LearnerStatus> status = TestProbe.create(seed.system());
        status.awaitAssert(Duration.ofSeconds(30), () -> {
            seed.learner().tell(new LearnerCommand.GetStatus(status.getRef()));
            assertEquals(3, status.expectMessageClass(LearnerStatus.class).workers(), "workers in the pool");
            return null;
        });
        allIn.countDown();

        assertTrue(holding.await(120, TimeUnit.SECONDS), "the doomed node never got a second batch");
        int appliedAtKill = updates.size();
        int survivorAtKill = survivorBatches.get();
        doomed.terminate();
        killed.countDown();
        doomed.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);

        RunOutcome outcome = seed.outcome().get(300, TimeUnit.SECONDS);
        assertEquals(RunOutcome.Status.COMPLETED, outcome.status(), outcome.message());
        assertTrue(appliedAtKill > 0 && appliedAtKill < perEpoch, "killed mid-epoch 1, after " + appliedAtKill
                + " of " + perEpoch + " batches");

        // Every batch applied exactly once, in order, with codes at most K versions old.
        List<BatchRecord> records = outcome.monitor().batches();
        assertEquals(2 * perEpoch, records.size());
        for (int k = 0; k < records.size(); k++) {
            assertEquals(k, records.get(k).seq(), "batch " + k);
            assertTrue(records.get(k).staleness() <= 2, "staleness of batch " + k);
        }
        assertEquals(2L * perEpoch, outcome.batchesApplied());
        for (int k = 0; k < updates.size(); k++) {
            assertEquals(k + 1, updates.get(k).version());
        }
        // The survivor was sent rows (the doomed node pixels: its set was not the learner's).
        assertTrue(ProtocolTraffic.of(WorkerCommand.InferRows.class).received().messages() > rowsBefore,
                "batches went as rows to the node that read the training set");
        // Both nodes' weights, batches and codes went on the worker channels, beside Artery.
        var channels = dev.sparsestream.actors.WorkerChannel.get(seed.system());
        assertTrue(channels.messagesWritten() > 0 && channels.codesRead() > 0,
                channels.messagesWritten() + " messages written, " + channels.codesRead() + " codes read");
        // The surviving nodes took the dead node's share, and the weights kept improving.
        assertTrue(survivorBatches.get() > survivorAtKill, "the surviving worker node worked after the kill");
        assertTrue(seedBatches.get() > 0, "the seed's own worker worked");
        var epochs = outcome.monitor().epochs();
        assertEquals(2, epochs.size());
        assertTrue(epochs.get(1).val().energy() < epochs.get(0).val().energy(), "validation energy "
                + epochs.get(0).val().energy() + " -> " + epochs.get(1).val().energy());
        double first = meanEnergy(records.subList(0, 5));
        double last = meanEnergy(records.subList(records.size() - 5, records.size()));
        assertTrue(last < 0.85 * first, "training energy over 5 batches " + first + " -> " + last);

        // The dead node is downed and removed (the seed's side of the partition lives on).
        TestProbe.create(seed.system()).awaitAssert(Duration.ofSeconds(30), () -> {
            assertEquals(2, java.util.stream.StreamSupport.stream(Cluster.get(seed.system()).state().getMembers()
                    .spliterator(), false).count(), "members after the dead node is removed");
            return null;
        });

        // When the seed goes, the worker nodes go too.
        seed.close();
        survivor.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    static double meanEnergy(List<BatchRecord> records) {
        return records.stream().mapToDouble(r -> r.metrics().energy().total()).average().orElseThrow();
    }

    @Test
    void theMembersListShowsASecondSeedRoleNodeAsTheStandbyAndNotTheFirst() throws Exception {
        ActorSystem<Void> seed = bareSeed(null);
        var seen = new java.util.concurrent.atomic.AtomicReference<List<ClusterMembers.Node>>(List.of());
        // the members list drawn on the second seed-role node, as its dashboard would
        ActorSystem<?> standby = ActorSystem.create(ClusterMembers.create((nodes, event) -> seen.set(nodes)),
                ClusterNode.SYSTEM_NAME, node(TrainingRun.SEED_ROLE, null));
        systems.add(standby);
        ClusterNode.joinSeed(standby, ClusterNode.address(ClusterNode.hostPort(seed)));
        ActorSystem<?> worker = workerNode(null, seed);
        awaitUp(seed, 3);
        String seedAddress = Adapter.toClassic(seed).provider().getDefaultAddress().toString();
        String standbyAddress = Adapter.toClassic(standby).provider().getDefaultAddress().toString();
        String workerAddress = Adapter.toClassic(worker).provider().getDefaultAddress().toString();
        TestProbe.create(standby).awaitAssert(Duration.ofSeconds(30), () -> {
            var roles = new java.util.HashMap<String, List<String>>();
            seen.get().forEach(n -> roles.put(n.address(), n.roles()));
            // the oldest seed-role node runs the learner, whichever node draws the list
            assertEquals(List.of(TrainingRun.SEED_ROLE), roles.get(seedAddress), "the first seed: " + roles);
            assertEquals(List.of(TrainingRun.SEED_ROLE, ClusterMembers.STANDBY), roles.get(standbyAddress),
                    "the second: " + roles);
            assertEquals(List.of(ClusterNode.WORKER_ROLE), roles.get(workerAddress), "the worker node: " + roles);
            return null;
        });
    }

    @Test
    void workerNodesStopWhenTheSeedDies() throws Exception {
        ActorSystem<Void> seed = bareSeed(CRASHES);
        ActorSystem<?> worker = workerNode(null, seed);
        awaitUp(seed, 2);
        seed.terminate(); // no goodbye: the worker sees the seed unreachable and downs its own side
        worker.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS); // throws if it does not stop
    }

    @Test
    void aNodeOfAnotherProtocolVersionIsRefusedAndStops() throws Exception {
        ActorSystem<Void> seed = bareSeed(null);
        awaitUp(seed, 1);
        ActorSystem<?> other = workerNode(ConfigFactory.parseString(ClusterNode.PROTOCOL_VERSION_KEY + " = "
                + (ProtocolKryo.PROTOCOL_VERSION + 1)), seed);
        other.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
        assertEquals(CoordinatedShutdown.incompatibleConfigurationDetectedReason(),
                CoordinatedShutdown.get(Adapter.toClassic(other)).getShutdownReason().orElseThrow());
        assertEquals(1, java.util.stream.StreamSupport.stream(Cluster.get(seed).state().getMembers().spliterator(), false)
                .count(), "the seed's cluster is still the seed alone");
    }

    @Test
    void nodesJoinOverTlsWithDeployTlsConf() throws Exception {
        Path tlsConf = Path.of("..", "deploy", "tls.conf");
        assumeTrue(Files.exists(tlsConf), "deploy/tls.conf not found from " + Path.of("").toAbsolutePath());
        Path keyStore = Files.createTempDirectory("sparse-stream-tls").resolve("node.p12");
        String password = "test-" + System.nanoTime();
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "node", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=sparse-stream", "-storetype", "PKCS12", "-keystore", keyStore.toString(),
                "-storepass", password).redirectErrorStream(true).start();
        assertEquals(0, keytool.waitFor(), new String(keytool.getInputStream().readAllBytes()));
        // The file's own substitutions, resolved as the environment would resolve them.
        Config tls = ConfigFactory.parseFile(tlsConf.toFile()).resolveWith(ConfigFactory.parseMap(java.util.Map.of(
                "SPARSE_STREAM_TLS_KEYSTORE", keyStore.toString(), "SPARSE_STREAM_TLS_TRUSTSTORE", keyStore.toString(),
                "SPARSE_STREAM_TLS_PASSWORD", password)));
        assertEquals("tls-tcp", tls.getString("pekko.remote.artery.transport"));

        ActorSystem<Void> seed = bareSeed(tls);
        ActorSystem<?> worker = workerNode(tls, seed);
        awaitUp(seed, 2);
        for (ActorSystem<?> s : List.of(seed, worker)) {
            assertEquals("tls-tcp", s.settings().config().getString("pekko.remote.artery.transport"));
            // The worker channels are plain TCP: under TLS none is offered and all goes over Artery's TLS.
            assertFalse(dev.sparsestream.actors.WorkerChannel.get(s).enabled());
        }
    }

    @Test
    void theVersionCheckSaysWhatDiffers() {
        var check = new ProtocolVersionCheck();
        Config ours = ConfigFactory.parseString(ClusterNode.PROTOCOL_VERSION_KEY + " = 4");
        assertEquals(org.apache.pekko.cluster.Valid$.MODULE$, check.check(ours, ours));
        var refused = (org.apache.pekko.cluster.Invalid) check.check(
                ConfigFactory.parseString(ClusterNode.PROTOCOL_VERSION_KEY + " = 3"), ours);
        String message = refused.errorMessages().head();
        assertTrue(message.contains("protocol version 3 on the other node, 4 on this one"), message);
        var missing = (org.apache.pekko.cluster.Invalid) check.check(ConfigFactory.empty(), ours);
        assertTrue(missing.errorMessages().head().contains("is missing"), missing.errorMessages().head());
    }
}
