package io.github.lb4j.benchmarks;

import io.github.lb4j.Balancer;
import io.github.lb4j.Endpoint;
import io.github.lb4j.Lease;
import java.util.concurrent.TimeUnit;
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
 * The whole tracked path of the pickers that need it: acquire a lease, report success, close. This
 * is what a caller pays per request with least-connection, peak-EWMA or bounded-load hashing: the
 * pick, the in-flight increments and decrements, two clock reads for the latency, and the outcome
 * bookkeeping. Compare with {@link ChooseBenchmark#floor} from the same run.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class AcquireBenchmark {

  /** Pickers that ignore the key, called with {@code acquire()}. */
  @State(Scope.Benchmark)
  public static class Unkeyed {
    @Param({"least-connection", "peak-ewma"})
    String picker;

    @Param({"3", "100", "1000"})
    int n;

    Balancer balancer;

    @Setup(Level.Trial)
    public void setUp() {
      balancer = Fixtures.balancer(picker, n);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      balancer.close();
    }
  }

  /** Bounded-load hashing, called with {@code acquire(key)}. */
  @State(Scope.Benchmark)
  public static class Keyed {
    @Param({"consistent-hash-bounded"})
    String picker;

    @Param({"3", "100", "1000"})
    int n;

    Balancer balancer;

    @Setup(Level.Trial)
    public void setUp() {
      balancer = Fixtures.balancer(picker, n);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      balancer.close();
    }
  }

  @Benchmark
  public Endpoint acquire(Unkeyed s) {
    try (Lease lease = s.balancer.acquire()) {
      lease.success();
      return lease.endpoint();
    }
  }

  @Benchmark
  public Endpoint acquireKey(Keyed s, ChooseBenchmark.Keys keys) {
    try (Lease lease = s.balancer.acquire(keys.next())) {
      lease.success();
      return lease.endpoint();
    }
  }
}
