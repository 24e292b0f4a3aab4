package io.github.lb4j.benchmarks;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.google.common.hash.HashFunction;
import com.google.common.hash.Hashing;
import io.github.lb4j.Balancer;
import io.github.lb4j.Endpoint;
import io.github.lb4j.Lease;
import io.github.lb4j.LoadReport;
import io.github.lb4j.benchmarks.GrpcFixtures.FakeChannel;
import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.ClientStreamTracer;
import io.grpc.LoadBalancer.PickResult;
import io.grpc.LoadBalancer.PickSubchannelArgs;
import io.grpc.LoadBalancer.Subchannel;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * lb4j's pickers next to their peers in the same run, each driven the way its users drive it, over
 * the same membership sizes. Run it together with {@link ChooseBenchmark#floor} (the same sizes),
 * once with {@code -t 1} and once with {@code -t 2}; {@link ResultsTable} turns a run into the lb4j
 * / peer ratios.
 *
 * <ul>
 *   <li>lb4j, through its public API only: {@code choose()} for every picker, {@code choose(key)}
 *       for the hashing ones, and the whole lease ({@code acquire}, {@code success}, {@code close})
 *       for those that count calls in flight.
 *   <li>gRPC-java's policies from its load-balancer registry, over subchannels that are all READY
 *       (see {@link GrpcFixtures}): {@code round_robin} and {@code ring_hash} pick; {@code
 *       least_request} picks and then does what the transport does with the pick's stream tracer
 *       for one call: {@code newClientStreamTracer}, {@code streamCreated} (the in-flight
 *       increment) and {@code streamClosed(OK)} (the decrement). What the channel itself does per
 *       call (its pick arguments, headers, call options) is built once and not measured.
 *   <li>Guava's jump consistent hash of the key's murmur3_128 hash, the usual one-liner.
 * </ul>
 *
 * <p>Keys are 36-character UUID strings, precomputed and cycled per thread ({@link
 * ChooseBenchmark.Keys}); for {@code ring_hash} each key travels in a header ({@code
 * requestHashHeader}), so that both hash the same string on every pick.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PeerBenchmark {

  /** What the transport hands {@code newClientStreamTracer} for a call: built once. */
  static final ClientStreamTracer.StreamInfo STREAM_INFO =
      ClientStreamTracer.StreamInfo.newBuilder().setCallOptions(CallOptions.DEFAULT).build();

  private static final HashFunction MURMUR3_128 = Hashing.murmur3_128();

  /** An lb4j balancer over {@code n} endpoints with one picker. */
  @State(Scope.Benchmark)
  public abstract static class Lb4j {
    @Param({"10", "1000"})
    int n;

    Balancer balancer;

    abstract String picker();

    @Setup(Level.Trial)
    public void setUp() {
      balancer = build();
      Endpoint chosen = Fixtures.hashing(picker()) ? balancer.choose("key") : balancer.choose();
      if (chosen == null) {
        throw new IllegalStateException(picker() + ": chose null (expected: an endpoint)");
      }
      prepare();
    }

    Balancer build() {
      return Fixtures.balancer(picker(), n);
    }

    /** What a picker needs before the trial, after the balancer is built; nothing by default. */
    void prepare() {}

    @TearDown(Level.Trial)
    public void tearDown() {
      balancer.close();
    }
  }

  /**
   * The floor of any bounded-load lease: one counter per endpoint, each on its own 128 bytes, and
   * the endpoint a key's {@code hashCode()} names. {@link #floorKeyedRead} only reads the key's
   * counter (what a plain {@code choose(key)} writes: nothing); {@link #floorKeyedCount} raises and
   * lowers it (what any lease that bounds per-endpoint load must do at the least). At 2 threads the
   * difference between the two is what it costs to write lines that the other core writes too.
   */
  @State(Scope.Benchmark)
  public static class KeyedCounters {
    private static final int STRIDE = 16; // longs: 128 bytes

    @Param({"10", "1000"})
    int n;

    AtomicLongArray counts;

    @Setup(Level.Trial)
    public void setUp() {
      counts = new AtomicLongArray(n * STRIDE);
    }

    int index(String key) {
      return Math.floorMod(key.hashCode(), n) * STRIDE;
    }
  }

  /** lb4j round-robin, equal weights. */
  @State(Scope.Benchmark)
  public static class RoundRobin extends Lb4j {
    @Override
    String picker() {
      return "round-robin";
    }
  }

  /** lb4j round-robin over weights 1 to 5. */
  @State(Scope.Benchmark)
  public static class WeightedRoundRobin extends Lb4j {
    @Override
    String picker() {
      return "round-robin-weighted";
    }
  }

  /** lb4j random. */
  @State(Scope.Benchmark)
  public static class RandomChoice extends Lb4j {
    @Override
    String picker() {
      return "random";
    }
  }

  /** lb4j least-connection (two random choices). */
  @State(Scope.Benchmark)
  public static class LeastConnection extends Lb4j {
    @Override
    String picker() {
      return "least-connection";
    }
  }

  /**
   * lb4j least-connection within zone-aware routing over three zones, for a caller whose own zone
   * has no endpoints: each pick draws a zone (one random draw, a scan of three thresholds), then
   * least-connection picks within that zone's third of the endpoints.
   */
  @State(Scope.Benchmark)
  public static class LocalityLeastConnection extends Lb4j {
    @Override
    String picker() {
      return "locality-least-connection";
    }
  }

  /** lb4j peak-EWMA. */
  @State(Scope.Benchmark)
  public static class PeakEwma extends Lb4j {
    @Override
    String picker() {
      return "peak-ewma";
    }
  }

  /**
   * lb4j peak-EWMA timing one call in 16 per endpoint instead of the default one in 8: what the
   * sampling rate costs, in the same run.
   */
  @State(Scope.Benchmark)
  public static class PeakEwmaSampling16 extends PeakEwma {
    @Override
    Balancer build() {
      return Fixtures.builder(picker(), n).latencySampling(16).build();
    }
  }

  /**
   * lb4j's reported-load picker with every endpoint's weight in use: at set-up each endpoint
   * answers with a report (weights 1 to 5 by {@code cpu_utilization}), and a change of the
   * endpoints' metadata rebuilds the picker, so that picks go through the weighted cycle, not the
   * least-connection fallback. The weight updates keep running in the background each second, as in
   * service.
   */
  @State(Scope.Benchmark)
  public static class ReportedLoad extends Lb4j {
    final LoadReport report = LoadReport.of(0.5, 100, 0);

    @Override
    String picker() {
      return "reported-load";
    }

    @Override
    void prepare() {
      java.util.Set<String> reported = new java.util.HashSet<>();
      for (int attempt = 0; reported.size() < n && attempt < 1000 * n; attempt++) {
        try (Lease lease = balancer.acquire()) {
          int i = balancer.endpoints().indexOf(lease.endpoint());
          lease.reportLoad(LoadReport.of(1.0 / (1 + i % 5), 100, 0));
          lease.success();
          reported.add(lease.endpoint().id());
        }
      }
      if (reported.size() < n) {
        throw new IllegalStateException(reported.size() + " of " + n + " endpoints reported");
      }
      // A change of attributes rebuilds the picker at once: the rebuild takes the reports.
      List<Endpoint> marked = new ArrayList<>();
      for (Endpoint e : balancer.endpoints()) {
        marked.add(e.withMetadata(Map.of("load", "reported")));
      }
      balancer.setEndpoints(marked);
      // Endpoint 4 reported five times endpoint 0's capacity: fail unless the weights are in use.
      Endpoint light = marked.get(0);
      Endpoint heavy = marked.get(4);
      int lightPicks = 0;
      int heavyPicks = 0;
      for (int k = 0; k < 30 * n; k++) {
        Endpoint e = balancer.choose();
        lightPicks += e.equals(light) ? 1 : 0;
        heavyPicks += e.equals(heavy) ? 1 : 0;
      }
      if (heavyPicks < 4 * lightPicks || lightPicks == 0) {
        throw new IllegalStateException(
            "reported-load: "
                + heavyPicks
                + " and "
                + lightPicks
                + " picks (expected: about 5 to 1, the reported weights)");
      }
    }
  }

  /** lb4j consistent hashing with its defaults. */
  @State(Scope.Benchmark)
  public static class ConsistentHash extends Lb4j {
    @Override
    String picker() {
      return "consistent-hash";
    }
  }

  /** lb4j consistent hashing with bounded load (1.25). */
  @State(Scope.Benchmark)
  public static class BoundedLoad extends Lb4j {
    @Override
    String picker() {
      return "consistent-hash-bounded";
    }
  }

  /** A gRPC policy over {@code n} READY subchannels, and the arguments of a keyless pick. */
  @State(Scope.Benchmark)
  public abstract static class Grpc {
    @Param({"10", "1000"})
    int n;

    FakeChannel channel;
    final PickSubchannelArgs args = GrpcFixtures.args(new Metadata());
    final Metadata headers = new Metadata();

    abstract FakeChannel channel(int n);

    /** Fails unless the picks the benchmark makes land on READY subchannels. */
    void check() {
      GrpcFixtures.requireReady(channel, channel.picker().pickSubchannel(args));
    }

    @Setup(Level.Trial)
    public void setUp() {
      channel = channel(n);
      if (channel.readyCount() != n) {
        throw new IllegalStateException(
            channel.policy + ": " + channel.readyCount() + " READY (expected: " + n + ")");
      }
      check();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      channel.shutdown();
    }
  }

  /** gRPC {@code round_robin}. */
  @State(Scope.Benchmark)
  public static class GrpcRoundRobin extends Grpc {
    @Override
    FakeChannel channel(int n) {
      return GrpcFixtures.roundRobin(n);
    }
  }

  /** gRPC {@code least_request_experimental}, {@code choiceCount} 2. */
  @State(Scope.Benchmark)
  public static class GrpcLeastRequest extends Grpc {
    @Override
    FakeChannel channel(int n) {
      return GrpcFixtures.leastRequest(n);
    }
  }

  /** gRPC {@code ring_hash_experimental}, the key in {@link GrpcFixtures#HASH_HEADER}. */
  @State(Scope.Benchmark)
  public static class GrpcRingHash extends Grpc {
    @Override
    FakeChannel channel(int n) {
      return GrpcFixtures.ringHash(n);
    }

    /** Every key of the first {@link HeaderKeys#CHECKED} threads lands on a READY subchannel. */
    @Override
    void check() {
      for (int thread = 0; thread < HeaderKeys.CHECKED; thread++) {
        for (PickSubchannelArgs keyed : HeaderKeys.args(thread)) {
          GrpcFixtures.requireReady(channel, channel.picker().pickSubchannel(keyed));
        }
      }
    }
  }

  /**
   * Each thread's pick arguments for {@code ring_hash}: the keys of {@link ChooseBenchmark.Keys}
   * (same seeds, same order), each in its own headers.
   */
  @State(Scope.Thread)
  public static class HeaderKeys {
    /**
     * Threads whose picks {@link GrpcRingHash} checks in its set-up: as many as the script runs.
     */
    static final int CHECKED = 2;

    private static final AtomicInteger THREADS = new AtomicInteger();

    PickSubchannelArgs[] args;
    int next;

    /** The pick arguments of the thread numbered {@code thread}, from 0. */
    static PickSubchannelArgs[] args(int thread) {
      String[] keys = Fixtures.keys(Fixtures.KEY_COUNT, 42 + thread);
      PickSubchannelArgs[] args = new PickSubchannelArgs[keys.length];
      for (int i = 0; i < keys.length; i++) {
        args[i] = GrpcFixtures.args(GrpcFixtures.headers(keys[i]));
      }
      return args;
    }

    @Setup(Level.Trial)
    public void setUp() {
      args = args(THREADS.getAndIncrement());
    }

    PickSubchannelArgs next() {
      return args[next++ & (Fixtures.KEY_COUNT - 1)];
    }
  }

  /** The endpoints Guava's jump hash indexes. */
  @State(Scope.Benchmark)
  public static class Jump {
    @Param({"10", "1000"})
    int n;

    Endpoint[] endpoints;

    @Setup(Level.Trial)
    public void setUp() {
      endpoints = Fixtures.endpoints(n).toArray(new Endpoint[0]);
    }
  }

  // lb4j: choose()

  @Benchmark
  public Endpoint lb4jRoundRobin(RoundRobin s) {
    return s.balancer.choose();
  }

  @Benchmark
  public Endpoint lb4jWeightedRoundRobin(WeightedRoundRobin s) {
    return s.balancer.choose();
  }

  @Benchmark
  public Endpoint lb4jRandom(RandomChoice s) {
    return s.balancer.choose();
  }

  @Benchmark
  public Endpoint lb4jLeastConnection(LeastConnection s) {
    return s.balancer.choose();
  }

  @Benchmark
  public Endpoint lb4jPeakEwma(PeakEwma s) {
    return s.balancer.choose();
  }

  // lb4j: choose(key)

  @Benchmark
  public Endpoint lb4jConsistentHash(ConsistentHash s, ChooseBenchmark.Keys keys) {
    return s.balancer.choose(keys.next());
  }

  /**
   * {@code choose(key)} with a key the JVM has not hashed before (a copy made in the benchmark, as
   * a key parsed from a request is), so that no hash cached in the {@code String} helps; compare
   * with {@link #guavaJumpHashFreshKey}, which makes the same copy.
   */
  @Benchmark
  public Endpoint lb4jConsistentHashFreshKey(ConsistentHash s, ChooseBenchmark.Keys keys) {
    return s.balancer.choose(keys.fresh());
  }

  @Benchmark
  public Endpoint lb4jBoundedLoad(BoundedLoad s, ChooseBenchmark.Keys keys) {
    return s.balancer.choose(keys.next());
  }

  // lb4j: the whole lease

  @Benchmark
  public Endpoint lb4jLeastConnectionLease(LeastConnection s) {
    try (Lease lease = s.balancer.acquire()) {
      lease.success();
      return lease.endpoint();
    }
  }

  @Benchmark
  public Endpoint lb4jReportedLoad(ReportedLoad s) {
    return s.balancer.choose();
  }

  /** The reported-load lease as least-connection's, to compare with it (target: within 1.5x). */
  @Benchmark
  public Endpoint lb4jReportedLoadLease(ReportedLoad s) {
    try (Lease lease = s.balancer.acquire()) {
      lease.success();
      return lease.endpoint();
    }
  }

  @Benchmark
  public Endpoint lb4jLocalityLeastConnectionLease(LocalityLeastConnection s) {
    try (Lease lease = s.balancer.acquire()) {
      lease.success();
      return lease.endpoint();
    }
  }

  /** The same lease handing in a parsed report, as an integration does with each answer. */
  @Benchmark
  public Endpoint lb4jReportedLoadLeaseReporting(ReportedLoad s) {
    try (Lease lease = s.balancer.acquire()) {
      lease.success();
      lease.reportLoad(s.report);
      return lease.endpoint();
    }
  }

  @Benchmark
  public Endpoint lb4jPeakEwmaLease(PeakEwma s) {
    try (Lease lease = s.balancer.acquire()) {
      lease.success();
      return lease.endpoint();
    }
  }

  @Benchmark
  public Endpoint lb4jPeakEwmaSampling16Lease(PeakEwmaSampling16 s) {
    try (Lease lease = s.balancer.acquire()) {
      lease.success();
      return lease.endpoint();
    }
  }

  @Benchmark
  public Endpoint lb4jBoundedLoadLease(BoundedLoad s, ChooseBenchmark.Keys keys) {
    try (Lease lease = s.balancer.acquire(keys.next())) {
      lease.success();
      return lease.endpoint();
    }
  }

  // Floors of the keyed lease (see KeyedCounters)

  @Benchmark
  public long floorKeyedRead(KeyedCounters s, ChooseBenchmark.Keys keys) {
    return s.counts.get(s.index(keys.next()));
  }

  @Benchmark
  public long floorKeyedCount(KeyedCounters s, ChooseBenchmark.Keys keys) {
    int i = s.index(keys.next());
    s.counts.incrementAndGet(i);
    return s.counts.decrementAndGet(i);
  }

  // Peers

  @Benchmark
  public Subchannel grpcRoundRobin(GrpcRoundRobin s) {
    return s.channel.picker().pickSubchannel(s.args).getSubchannel();
  }

  @Benchmark
  public Subchannel grpcLeastRequest(GrpcLeastRequest s) {
    PickResult result = s.channel.picker().pickSubchannel(s.args);
    ClientStreamTracer tracer =
        result.getStreamTracerFactory().newClientStreamTracer(STREAM_INFO, s.headers);
    tracer.streamCreated(Attributes.EMPTY, s.headers);
    tracer.streamClosed(Status.OK);
    return result.getSubchannel();
  }

  @Benchmark
  public Subchannel grpcRingHash(GrpcRingHash s, HeaderKeys keys) {
    return s.channel.picker().pickSubchannel(keys.next()).getSubchannel();
  }

  @Benchmark
  public Endpoint guavaJumpHash(Jump s, ChooseBenchmark.Keys keys) {
    Endpoint[] endpoints = s.endpoints;
    return endpoints[
        Hashing.consistentHash(MURMUR3_128.hashString(keys.next(), UTF_8), endpoints.length)];
  }

  /** {@link #guavaJumpHash} with the copied key of {@link #lb4jConsistentHashFreshKey}. */
  @Benchmark
  public Endpoint guavaJumpHashFreshKey(Jump s, ChooseBenchmark.Keys keys) {
    Endpoint[] endpoints = s.endpoints;
    return endpoints[
        Hashing.consistentHash(MURMUR3_128.hashString(keys.fresh(), UTF_8), endpoints.length)];
  }
}
