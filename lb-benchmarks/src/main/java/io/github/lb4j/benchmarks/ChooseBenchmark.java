package io.github.lb4j.benchmarks;

import io.github.lb4j.Balancer;
import io.github.lb4j.Endpoint;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * The cost of one {@code Balancer.choose()} per picker and membership size, next to the floor: a
 * bare shared-counter round-robin over an array, the least any balancer that spreads calls across
 * threads can do. Run it with {@code -t 1} and {@code -t 2}; the ratio to {@link #floor} in the
 * same run is what to compare across machines.
 *
 * <p>Hashing pickers get a precomputed 36-character UUID key per call, cycled per thread, so that
 * the key's hash is part of the measured cost, as it is in a service. Pickers that decide from
 * in-flight counts see idle endpoints here (nothing is acquired); {@link AcquireBenchmark} measures
 * them with leases.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ChooseBenchmark {

  /** Pickers that ignore the key, called with {@code choose()}. */
  @State(Scope.Benchmark)
  public static class Unkeyed {
    @Param({"round-robin", "round-robin-weighted", "random", "least-connection", "peak-ewma"})
    String picker;

    @Param({"3", "10", "100", "1000"})
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

  /** Hashing pickers, called with {@code choose(key)}. */
  @State(Scope.Benchmark)
  public static class Keyed {
    @Param({"consistent-hash", "consistent-hash-bounded"})
    String picker;

    @Param({"3", "10", "100", "1000"})
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

  /** The classic 512-slot ring, which holds at most 56 endpoints. */
  @State(Scope.Benchmark)
  public static class Classic {
    @Param({"3", "10"})
    int n;

    Balancer balancer;

    @Setup(Level.Trial)
    public void setUp() {
      balancer = Fixtures.balancer("classic-hash", n);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      balancer.close();
    }
  }

  /** The floor: a shared counter over an array, with nothing else. */
  @State(Scope.Benchmark)
  public static class Floor {
    @Param({"3", "10", "100", "1000"})
    int n;

    Endpoint[] endpoints;
    final AtomicInteger counter = new AtomicInteger();

    @Setup(Level.Trial)
    public void setUp() {
      List<Endpoint> list = Fixtures.endpoints(n);
      endpoints = list.toArray(new Endpoint[0]);
    }
  }

  /** Each thread's own cycle of keys, so that threads do not share a cursor. */
  @State(Scope.Thread)
  public static class Keys {
    private static final AtomicInteger THREADS = new AtomicInteger();

    String[] keys;
    char[][] chars;
    int next;

    @Setup(Level.Trial)
    public void setUp() {
      keys = Fixtures.keys(Fixtures.KEY_COUNT, 42 + THREADS.getAndIncrement());
      chars = new char[keys.length][];
      for (int i = 0; i < keys.length; i++) {
        chars[i] = keys[i].toCharArray();
      }
    }

    String next() {
      return keys[next++ & (Fixtures.KEY_COUNT - 1)];
    }

    /** A new copy of the next key, with no hash cached in it yet. */
    String fresh() {
      return new String(chars[next++ & (Fixtures.KEY_COUNT - 1)]);
    }
  }

  @Benchmark
  public Endpoint floor(Floor s) {
    Endpoint[] endpoints = s.endpoints;
    return endpoints[(s.counter.getAndIncrement() & Integer.MAX_VALUE) % endpoints.length];
  }

  @Benchmark
  public Endpoint choose(Unkeyed s) {
    return s.balancer.choose();
  }

  @Benchmark
  public Endpoint chooseKey(Keyed s, Keys keys) {
    return s.balancer.choose(keys.next());
  }

  @Benchmark
  public Endpoint chooseKeyClassic(Classic s, Keys keys) {
    return s.balancer.choose(keys.next());
  }
}
