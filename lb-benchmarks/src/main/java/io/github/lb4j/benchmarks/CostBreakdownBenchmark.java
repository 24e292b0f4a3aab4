package io.github.lb4j.benchmarks;

import io.github.lb4j.Balancer;
import io.github.lb4j.Endpoint;
import io.github.lb4j.KeyHasher;
import io.github.lb4j.Lease;
import io.github.lb4j.Ticker;
import io.github.lb4j.core.Balancers;
import io.github.lb4j.core.KeyHashers;
import io.github.lb4j.core.Pickers;
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
 * Where the time of the slower paths goes, one ingredient at a time, so that a change to them can
 * be aimed: the clock read, the key hash, the consistent-hash lookup by number of probes, and the
 * lease path with the system clock against a clock that costs nothing.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CostBreakdownBenchmark {

  /** Consistent hashing with a given number of probes per key. */
  @State(Scope.Benchmark)
  public static class Probes {
    @Param({"1", "4", "16"})
    int probes;

    @Param({"3", "1000"})
    int n;

    Balancer balancer;

    @Setup(Level.Trial)
    public void setUp() {
      balancer =
          Balancers.builder()
              .name("probes-" + probes)
              .endpoints(Fixtures.endpoints(n))
              .picker(Pickers.consistentHashBuilder().probes(probes).build())
              .build();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      balancer.close();
    }
  }

  /** Least-connection over 1,000 endpoints with the system clock or a constant one. */
  @State(Scope.Benchmark)
  public static class Clocked {
    @Param({"system", "constant"})
    String clock;

    Balancer balancer;

    @Setup(Level.Trial)
    public void setUp() {
      Ticker ticker = clock.equals("system") ? Ticker.system() : () -> 0L;
      balancer =
          Balancers.builder()
              .name("clock-" + clock)
              .endpoints(Fixtures.endpoints(1000))
              .picker(Pickers.leastConnection())
              .ticker(ticker)
              .build();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      balancer.close();
    }
  }

  private static final KeyHasher HASHER = KeyHashers.defaultHasher();

  @Benchmark
  public long nanoTime() {
    return System.nanoTime();
  }

  @Benchmark
  public long hashKey(ChooseBenchmark.Keys keys) {
    return HASHER.hash(keys.next());
  }

  @Benchmark
  public Endpoint chooseKeyByProbes(Probes s, ChooseBenchmark.Keys keys) {
    return s.balancer.choose(keys.next());
  }

  @Benchmark
  public Endpoint leaseByClock(Clocked s) {
    try (Lease lease = s.balancer.acquire()) {
      lease.success();
      return lease.endpoint();
    }
  }

  @Benchmark
  public Endpoint leaseWithoutReportByClock(Clocked s) {
    try (Lease lease = s.balancer.acquire()) {
      return lease.endpoint();
    }
  }
}
