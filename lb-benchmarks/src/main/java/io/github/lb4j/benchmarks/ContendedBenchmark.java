package io.github.lb4j.benchmarks;

import io.github.lb4j.Balancer;
import io.github.lb4j.Endpoint;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
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
 * Choosing while the membership keeps changing: in each group, reader threads call {@code choose()}
 * while one writer thread calls {@code setEndpoints} as fast as it can, alternating between two
 * sets that differ by one endpoint (one leaves, another joins: a rolling deploy). The readers' time
 * per call, next to {@link ChooseBenchmark} at the same size without a writer, shows whether a
 * membership change ever holds a reader up; the writer's is the cost of one change.
 *
 * <p>One reader and one writer by default; raise the readers with {@code -tg R,1} on a machine with
 * more cores.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ContendedBenchmark {

  /** A balancer and the two memberships the writer alternates between. */
  @State(Scope.Group)
  public abstract static class Membership {
    @Param({"100"})
    int n;

    Balancer balancer;
    List<Endpoint> even;
    List<Endpoint> odd;

    abstract String picker();

    @Setup(Level.Trial)
    public void setUp() {
      balancer = Fixtures.balancer(picker(), n);
      even = Fixtures.endpoints(0, n, false);
      odd = Fixtures.endpoints(1, n, false);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      balancer.close();
    }
  }

  /** Round-robin under membership changes. */
  @State(Scope.Group)
  public static class RoundRobin extends Membership {
    @Override
    String picker() {
      return "round-robin";
    }
  }

  /** Consistent hashing under membership changes: every change rebuilds the ring. */
  @State(Scope.Group)
  public static class ConsistentHash extends Membership {
    @Override
    String picker() {
      return "consistent-hash";
    }
  }

  /** The writer's own toggle. */
  @State(Scope.Thread)
  public static class Toggle {
    boolean odd;

    List<Endpoint> next(Membership m) {
      odd = !odd;
      return odd ? m.odd : m.even;
    }
  }

  @Benchmark
  @Group("roundRobin")
  @GroupThreads(1)
  public Endpoint roundRobinChoose(RoundRobin s) {
    return s.balancer.choose();
  }

  @Benchmark
  @Group("roundRobin")
  @GroupThreads(1)
  public void roundRobinSetEndpoints(RoundRobin s, Toggle toggle) {
    s.balancer.setEndpoints(toggle.next(s));
  }

  @Benchmark
  @Group("consistentHash")
  @GroupThreads(1)
  public Endpoint consistentHashChoose(ConsistentHash s, ChooseBenchmark.Keys keys) {
    return s.balancer.choose(keys.next());
  }

  @Benchmark
  @Group("consistentHash")
  @GroupThreads(1)
  public void consistentHashSetEndpoints(ConsistentHash s, Toggle toggle) {
    s.balancer.setEndpoints(toggle.next(s));
  }
}
