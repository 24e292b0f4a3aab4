package io.github.lb4j.core;

import static io.github.lb4j.core.Fixtures.endpoint;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lb4j.Balancer;
import io.github.lb4j.BalancerListener;
import io.github.lb4j.Endpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Listener events are delivered outside the writer's lock, in order, after the change is visible.
 */
final class ListenerEventsTest {

  /**
   * Records events as {@code "+id"} and {@code "-id"}, with whether the endpoint was a member then.
   */
  private static final class Recorder implements BalancerListener {
    final List<String> events = new CopyOnWriteArrayList<>();

    @Override
    public void onEndpointAdded(Balancer balancer, Endpoint endpoint) {
      events.add("+" + endpoint.id() + (balancer.endpoints().contains(endpoint) ? "" : " (gone)"));
    }

    @Override
    public void onEndpointRemoved(Balancer balancer, Endpoint endpoint) {
      events.add("-" + endpoint.id());
    }
  }

  @Test
  void listenerRemovingOnAdd_otherListenersSeeEventsInOrder() {
    Endpoint h2 = endpoint(2);
    Balancer balancer = Balancers.builder().endpoints(endpoint(1)).build();
    List<Boolean> visibleWhenAdded = new ArrayList<>();
    balancer.addListener(
        new BalancerListener() {
          @Override
          public void onEndpointAdded(Balancer b, Endpoint endpoint) {
            visibleWhenAdded.add(b.endpoints().contains(endpoint));
            if (endpoint.equals(h2)) {
              b.remove(h2.id()); // calls back into the balancer from the event
            }
          }
        });
    Recorder second = new Recorder();
    balancer.addListener(second);

    balancer.add(h2);

    // The second listener hears the add first and then the remove, as they happened; it used to
    // hear [removed h2, added h2] with h2 no longer a member.
    assertEquals(List.of("+" + h2.id() + " (gone)", "-" + h2.id()), second.events);
    assertEquals(List.of(true), visibleWhenAdded, "the event arrives after its change is visible");
    assertEquals(List.of(endpoint(1)), balancer.endpoints());
  }

  @Test
  void slowListener_delaysNeitherChooseNorAnotherThreadsChange() throws Exception {
    CountDownLatch inListener = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Balancer balancer = Balancers.builder().endpoints(endpoint(1), endpoint(2)).build();
    balancer.addListener(
        new BalancerListener() {
          @Override
          public void onEndpointAdded(Balancer b, Endpoint endpoint) {
            inListener.countDown();
            try {
              release.await(); // a listener that blocks until the test lets it go
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        });
    ExecutorService adder = Executors.newSingleThreadExecutor();
    try {
      CompletableFuture<Void> add =
          CompletableFuture.runAsync(() -> balancer.add(endpoint(3)), adder);
      assertTrue(inListener.await(10, TimeUnit.SECONDS));

      // The listener is blocked; the lock is free: this thread's change and picks go through.
      assertTrue(balancer.remove(endpoint(1).id()));
      assertFalse(balancer.endpoints().contains(endpoint(1)));
      assertTrue(balancer.endpoints().contains(balancer.choose()));
      assertFalse(add.isDone(), "the thread delivering the event is the only one held");

      release.countDown();
      add.get(10, TimeUnit.SECONDS);
      assertEquals(List.of(endpoint(2), endpoint(3)), balancer.endpoints());
    } finally {
      release.countDown();
      adder.shutdownNow();
    }
  }

  @Test
  void eventExecutor_deliversSeriallyInOrderOffTheCallersThread() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    Recorder recorder = new Recorder();
    List<String> threads = new CopyOnWriteArrayList<>();
    Balancer balancer =
        Balancers.builder()
            .eventExecutor(pool)
            .listener(recorder)
            .listener(
                new BalancerListener() {
                  @Override
                  public void onEndpointAdded(Balancer b, Endpoint endpoint) {
                    threads.add(Thread.currentThread().getName());
                  }
                })
            .build();
    try {
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        balancer.add(endpoint(i));
        expected.add("+" + endpoint(i).id());
      }
      pool.shutdown();
      assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
      assertEquals(expected, recorder.events);
      assertFalse(threads.contains(Thread.currentThread().getName()));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void listenerThatThrows_doesNotStopOthersNorUndoTheChange() {
    Recorder recorder = new Recorder();
    Balancer balancer =
        Balancers.builder()
            .listener(
                new BalancerListener() {
                  @Override
                  public void onEndpointAdded(Balancer b, Endpoint endpoint) {
                    throw new IllegalStateException("listener bug");
                  }
                })
            .listener(recorder)
            .build();
    balancer.add(endpoint(1));
    assertEquals(List.of("+" + endpoint(1).id()), recorder.events);
    assertEquals(List.of(endpoint(1)), balancer.endpoints());
  }
}
