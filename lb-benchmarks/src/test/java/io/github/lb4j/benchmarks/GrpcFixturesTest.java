package io.github.lb4j.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lb4j.benchmarks.GrpcFixtures.FakeChannel;
import io.github.lb4j.benchmarks.GrpcFixtures.FakeSubchannel;
import io.grpc.Attributes;
import io.grpc.ClientStreamTracer;
import io.grpc.ConnectivityState;
import io.grpc.LoadBalancer.PickResult;
import io.grpc.LoadBalancer.PickSubchannelArgs;
import io.grpc.LoadBalancer.Subchannel;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

final class GrpcFixturesTest {
  private static final PickSubchannelArgs NO_KEY = GrpcFixtures.args(new Metadata());

  private static FakeSubchannel ready(FakeChannel channel, PickResult result) {
    return (FakeSubchannel) GrpcFixtures.requireReady(channel, result);
  }

  @Test
  void roundRobin_everySubchannelReady_picksEachInTurn() {
    FakeChannel channel = GrpcFixtures.roundRobin(10);
    try {
      assertEquals(ConnectivityState.READY, channel.state());
      assertEquals(10, channel.readyCount());
      Set<Subchannel> picked = new HashSet<>();
      for (int i = 0; i < 10; i++) {
        picked.add(ready(channel, channel.picker().pickSubchannel(NO_KEY)));
      }
      assertEquals(10, picked.size());
    } finally {
      channel.shutdown();
    }
  }

  @Test
  void leastRequest_pickThenStreamCreated_countsTheCallInFlightUntilClosed() {
    FakeChannel channel = GrpcFixtures.leastRequest(2);
    try {
      assertEquals(ConnectivityState.READY, channel.state());
      PickResult first = channel.picker().pickSubchannel(NO_KEY);
      Subchannel busy = ready(channel, first);
      assertNotNull(first.getStreamTracerFactory(), "least_request's in-flight tracer");
      ClientStreamTracer tracer =
          first
              .getStreamTracerFactory()
              .newClientStreamTracer(PeerBenchmark.STREAM_INFO, new Metadata());
      tracer.streamCreated(Attributes.EMPTY, new Metadata());

      // With one call in flight on one of two endpoints, two choices never pick it over the idle
      // one unless both samples land on it: most picks go to the other.
      int other = 0;
      for (int i = 0; i < 1000; i++) {
        if (ready(channel, channel.picker().pickSubchannel(NO_KEY)) != busy) {
          other++;
        }
      }
      tracer.streamClosed(Status.OK);
      assertTrue(other > 650, "picks of the idle endpoint: " + other + " of 1000");
    } finally {
      channel.shutdown();
    }
  }

  @Test
  void ringHash_keyInHeader_sameKeySameReadySubchannelAndKeysSpread() {
    FakeChannel channel = GrpcFixtures.ringHash(10);
    try {
      assertEquals(10, channel.readyCount());
      String[] keys = Fixtures.keys(200, 3);
      Set<Subchannel> picked = new HashSet<>();
      for (String key : keys) {
        Subchannel subchannel =
            ready(
                channel,
                channel.picker().pickSubchannel(GrpcFixtures.args(GrpcFixtures.headers(key))));
        assertSame(
            subchannel,
            ready(
                channel,
                channel.picker().pickSubchannel(GrpcFixtures.args(GrpcFixtures.headers(key)))),
            key);
        picked.add(subchannel);
      }
      assertEquals(10, picked.size());
    } finally {
      channel.shutdown();
    }
  }

  @Test
  void ringHash_thousandEndpoints_allReady() {
    FakeChannel channel = GrpcFixtures.ringHash(1000);
    try {
      assertEquals(1000, channel.readyCount());
      ready(channel, channel.picker().pickSubchannel(GrpcFixtures.args(GrpcFixtures.headers("k"))));
    } finally {
      channel.shutdown();
    }
  }

  @Test
  void requireReady_errorResult_throwsNamingThePolicy() {
    FakeChannel channel = GrpcFixtures.roundRobin(1);
    try {
      IllegalStateException e =
          assertThrows(
              IllegalStateException.class,
              () -> GrpcFixtures.requireReady(channel, PickResult.withNoResult()));

      assertTrue(e.getMessage().startsWith("round_robin: pick "), e.getMessage());
    } finally {
      channel.shutdown();
    }
  }
}
