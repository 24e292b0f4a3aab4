package io.github.lb4j.benchmarks;

import io.github.lb4j.Balancer;
import io.github.lb4j.Candidate;
import io.github.lb4j.Endpoint;
import io.github.lb4j.Picker;
import io.github.lb4j.PickerContext;
import io.github.lb4j.PickerFactory;
import io.github.lb4j.core.Balancers;
import io.github.lb4j.core.Pickers;
import java.util.ArrayList;
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
 * of weight). The factory keeps its previous ring and derives the next one from it, so the cost of
 * a change depends on what changed:
 *
 * <ul>
 *   <li>{@link #addOrRemoveOne}: the factory alone, alternating between the candidates of two
 *       memberships that differ by one endpoint (one join, then one leave);
 *   <li>{@link #reweightOne}: the same, alternating one endpoint's weight between its own and twice
 *       its own;
 *   <li>{@link #fromScratch}: a new factory each time, so the whole ring is built;
 *   <li>{@link #setEndpoints}: the whole change as a caller sees it, alternating between two
 *       memberships that differ by one endpoint (member map, slots, ring, publication).
 * </ul>
 *
 * <p>{@code weights}: {@code equal}, or {@code mixed} (1..5 cycling).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RingBuildBenchmark {

  /** Candidate lists captured from real balancers, and the factory under test. */
  @State(Scope.Benchmark)
  public static class Ring {
    @Param({"16", "1000"})
    int n;

    @Param({"equal", "mixed"})
    String weights;

    Balancer balancer;
    PickerFactory factory;
    List<Candidate> base;
    List<Candidate> plusOne;
    List<Candidate> reweighted;
    List<Endpoint> even;
    List<Endpoint> odd;
    boolean flip;
    Endpoint extra;
    // A balancer's context, captured with the candidates; the plain ring does not read it.
    static PickerContext context;

    @Setup(Level.Trial)
    public void setUp() {
      boolean mixed = weights.equals("mixed");
      List<Endpoint> members = Fixtures.endpoints(0, n, mixed);
      List<Endpoint> more = Fixtures.endpoints(0, n + 1, mixed);
      List<Endpoint> heavier = new ArrayList<>(members);
      Endpoint changed = heavier.get(n / 2);
      heavier.set(n / 2, changed.withWeight(changed.weight() * 2));
      base = candidates(members);
      extra = more.get(n);
      plusOne = candidates(more);
      reweighted = candidates(heavier);
      factory = Pickers.consistentHash();
      factory.newPicker(base, context);

      even = Fixtures.endpoints(0, n, mixed);
      odd = Fixtures.endpoints(1, n, mixed);
      balancer =
          Balancers.builder()
              .name("ring-" + n)
              .endpoints(even)
              .picker(Pickers.consistentHash())
              .build();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      balancer.close();
    }

    /** The candidates a balancer over {@code endpoints} hands its picker factory. */
    private static List<Candidate> candidates(List<Endpoint> endpoints) {
      List<List<Candidate>> seen = new ArrayList<>();
      PickerFactory capturing =
          new PickerFactory() {
            @Override
            public String name() {
              return "capturing";
            }

            @Override
            public Picker newPicker(List<Candidate> list, PickerContext pickerContext) {
              seen.add(list);
              context = pickerContext;
              return key -> list.get(0);
            }
          };
      // Building the balancer hands the candidates to the capturing factory; it is only closed.
      Balancer b =
          Balancers.builder().name("capture").endpoints(endpoints).picker(capturing).build();
      try {
        List<Candidate> list = seen.get(seen.size() - 1);
        if (list.size() != endpoints.size()) {
          throw new IllegalStateException(
              "candidates: " + list.size() + " (expected: " + endpoints.size() + ")");
        }
        return list;
      } finally {
        b.close();
      }
    }
  }

  @Benchmark
  public Picker addOrRemoveOne(Ring s) {
    s.flip = !s.flip;
    return s.factory.newPicker(s.flip ? s.plusOne : s.base, Ring.context);
  }

  @Benchmark
  public Picker reweightOne(Ring s) {
    s.flip = !s.flip;
    return s.factory.newPicker(s.flip ? s.reweighted : s.base, Ring.context);
  }

  @Benchmark
  public Picker fromScratch(Ring s) {
    return Pickers.consistentHash().newPicker(s.base, Ring.context);
  }

  @Benchmark
  public void setEndpoints(Ring s) {
    s.flip = !s.flip;
    s.balancer.setEndpoints(s.flip ? s.odd : s.even);
  }

  /**
   * One endpoint joins or leaves through the public API, alternately: the whole change a user pays
   * for (the balancer's bookkeeping, the incremental ring update, the published view).
   */
  @Benchmark
  public void balancerAddOrRemoveOne(Ring s) {
    s.flip = !s.flip;
    if (s.flip) {
      s.balancer.add(s.extra);
    } else {
      s.balancer.remove(s.extra.id());
    }
  }
}
