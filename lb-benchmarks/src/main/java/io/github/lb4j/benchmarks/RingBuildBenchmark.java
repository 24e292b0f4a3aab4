package io.github.lb4j.benchmarks;

import io.github.lb4j.Balancer;
import io.github.lb4j.Candidate;
import io.github.lb4j.Endpoint;
import io.github.lb4j.Picker;
import io.github.lb4j.PickerContext;
import io.github.lb4j.PickerFactory;
import io.github.lb4j.core.Balancers;
import io.github.lb4j.core.Pickers;
import java.util.List;
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
 * What a membership change costs with the default consistent-hash ring (256 virtual nodes per unit
 * of weight):
 *
 * <ul>
 *   <li>{@link #newPicker}: building the ring alone, from the candidates a real balancer hands its
 *       picker factory;
 *   <li>{@link #setEndpoints}: the whole change as a caller sees it, alternating between two
 *       memberships that differ by one endpoint (member map, slots, ring, publication).
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RingBuildBenchmark {

  /** The default consistent-hash factory and the candidates its balancer gave it. */
  @State(Scope.Benchmark)
  public static class Ring {
    @Param({"10", "100", "1000"})
    int n;

    Balancer balancer;
    PickerFactory factory;
    List<Candidate> candidates;
    List<Endpoint> even;
    List<Endpoint> odd;
    boolean flip;
    PickerContext context;

    @Setup(Level.Trial)
    public void setUp() {
      factory = Pickers.consistentHash();
      PickerFactory capturing =
          new PickerFactory() {
            @Override
            public String name() {
              return factory.name();
            }

            @Override
            public Picker newPicker(List<Candidate> list, PickerContext pickerContext) {
              candidates = list;
              context = pickerContext;
              return factory.newPicker(list, pickerContext);
            }
          };
      even = Fixtures.endpoints(0, n, false);
      odd = Fixtures.endpoints(1, n, false);
      balancer = Balancers.builder().name("ring-" + n).endpoints(even).picker(capturing).build();
      if (candidates == null || candidates.size() != n) {
        throw new IllegalStateException("candidates: " + candidates + " (expected: " + n + ")");
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      balancer.close();
    }
  }

  @Benchmark
  public Picker newPicker(Ring s) {
    return s.factory.newPicker(s.candidates, s.context);
  }

  @Benchmark
  public void setEndpoints(Ring s) {
    s.flip = !s.flip;
    s.balancer.setEndpoints(s.flip ? s.odd : s.even);
  }
}
