package io.github.lb4j.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lb4j.Endpoint;
import io.github.lb4j.benchmarks.GrpcFixtures.FakeSubchannel;
import io.grpc.ConnectivityState;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/** Every benchmark of {@link PeerBenchmark}, called through its own states as JMH calls it. */
final class PeerBenchmarkTest {

  /** A benchmark method with its states set up at size {@code n}. */
  private static final class Call implements AutoCloseable {
    final Method method;
    final Object[] states;

    Call(Method method, int n) throws ReflectiveOperationException {
      this.method = method;
      Class<?>[] types = method.getParameterTypes();
      states = new Object[types.length];
      for (int i = 0; i < types.length; i++) {
        states[i] = types[i].getDeclaredConstructor().newInstance();
        setSize(states[i], n);
        invokeAll(states[i], Setup.class);
      }
    }

    Object invoke(PeerBenchmark benchmark) throws ReflectiveOperationException {
      try {
        return method.invoke(benchmark, states);
      } catch (InvocationTargetException e) {
        throw new AssertionError(method.getName() + " threw " + e.getCause(), e.getCause());
      }
    }

    @Override
    public void close() throws ReflectiveOperationException {
      for (Object state : states) {
        invokeAll(state, TearDown.class);
      }
    }

    private static void setSize(Object state, int n) throws IllegalAccessException {
      for (Class<?> c = state.getClass(); c != Object.class; c = c.getSuperclass()) {
        for (Field field : c.getDeclaredFields()) {
          if (field.getName().equals("n")) {
            field.setAccessible(true);
            field.setInt(state, n);
          }
        }
      }
    }

    private static void invokeAll(Object state, Class<? extends java.lang.annotation.Annotation> a)
        throws ReflectiveOperationException {
      for (Method m : state.getClass().getMethods()) {
        if (m.isAnnotationPresent(a)) {
          m.invoke(state);
        }
      }
    }
  }

  private static List<Method> benchmarks() {
    List<Method> methods = new ArrayList<>();
    for (Method m : PeerBenchmark.class.getMethods()) {
      if (m.isAnnotationPresent(Benchmark.class)) {
        methods.add(m);
      }
    }
    methods.sort(Comparator.comparing(Method::getName));
    return methods;
  }

  @Test
  void everyBenchmark_atBothSizes_returnsAReadySubchannelOrAnEndpointOfTheMembership()
      throws ReflectiveOperationException {
    PeerBenchmark benchmark = new PeerBenchmark();
    for (int n : new int[] {10, 1000}) {
      Set<String> ids = new HashSet<>();
      for (Endpoint e : Fixtures.endpoints(n)) {
        ids.add(e.id());
      }
      for (Method method : benchmarks()) {
        try (Call call = new Call(method, n)) {
          for (int i = 0; i < 3; i++) {
            Object result = call.invoke(benchmark);
            String what = method.getName() + " at n=" + n;
            assertNotNull(result, what);
            if (result instanceof Long count) {
              assertEquals(0L, count, what + ": one thread leaves the counter at zero");
            } else if (result instanceof FakeSubchannel subchannel) {
              assertEquals(ConnectivityState.READY, subchannel.state, what);
            } else {
              assertTrue(ids.contains(((Endpoint) result).id()), what + ": " + result);
            }
          }
        }
      }
    }
  }

  @Test
  void benchmarks_lb4jAndPeerForEveryComparison() {
    List<String> names = benchmarks().stream().map(Method::getName).toList();

    assertEquals(
        List.of(
            "floorKeyedCount",
            "floorKeyedRead",
            "grpcLeastRequest",
            "grpcRingHash",
            "grpcRoundRobin",
            "guavaJumpHash",
            "guavaJumpHashFreshKey",
            "lb4jBoundedLoad",
            "lb4jBoundedLoadLease",
            "lb4jConsistentHash",
            "lb4jConsistentHashFreshKey",
            "lb4jLeastConnection",
            "lb4jLeastConnectionLease",
            "lb4jLocalityLeastConnectionLease",
            "lb4jPeakEwma",
            "lb4jPeakEwmaLease",
            "lb4jPeakEwmaSampling16Lease",
            "lb4jRandom",
            "lb4jReportedLoad",
            "lb4jReportedLoadLease",
            "lb4jReportedLoadLeaseReporting",
            "lb4jRoundRobin",
            "lb4jWeightedRoundRobin"),
        names);
    for (String name : ResultsTable.comparedBenchmarks()) {
      assertTrue(names.contains(name.substring("PeerBenchmark.".length())), name);
    }
  }

  @Test
  void guavaJumpHash_sameKeySameEndpoint_andKeysSpreadOverAll()
      throws ReflectiveOperationException {
    PeerBenchmark benchmark = new PeerBenchmark();
    Method method =
        PeerBenchmark.class.getMethod(
            "guavaJumpHash", PeerBenchmark.Jump.class, ChooseBenchmark.Keys.class);
    Map<String, Object> first = new LinkedHashMap<>();
    try (Call call = new Call(method, 10)) {
      ChooseBenchmark.Keys keys = (ChooseBenchmark.Keys) call.states[1];
      for (int i = 0; i < Fixtures.KEY_COUNT; i++) {
        first.put(keys.keys[i], call.invoke(benchmark));
      }
      for (int i = 0; i < Fixtures.KEY_COUNT; i++) {
        assertEquals(first.get(keys.keys[i]), call.invoke(benchmark), keys.keys[i]);
      }
    }
    assertEquals(
        10, new HashSet<>(first.values()).size(), Arrays.toString(first.values().toArray()));
  }
}
