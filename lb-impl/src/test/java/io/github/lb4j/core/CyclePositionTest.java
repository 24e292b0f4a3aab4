package io.github.lb4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class CyclePositionTest {

  /** Runs {@code n} calls of {@code next()} on a new thread whose stripe differs from ours. */
  private static List<Integer> onAnotherStripe(CyclePosition p, int n) throws Exception {
    long mine = Thread.currentThread().getId() & (p.stripes() - 1);
    AtomicReference<List<Integer>> out = new AtomicReference<>();
    for (int tries = 0; tries < 1000 && out.get() == null; tries++) {
      Thread t =
          new Thread(
              () -> {
                if ((Thread.currentThread().getId() & (p.stripes() - 1)) == mine) {
                  return; // same stripe: try another thread
                }
                List<Integer> seen = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                  seen.add(p.next());
                }
                out.set(seen);
              });
      t.start();
      t.join();
    }
    return out.get();
  }

  @Test
  void shared_isOneRotationAcrossThreads() throws Exception {
    CyclePosition p = CyclePosition.shared();
    assertEquals(1, p.stripes());
    assertEquals(0, p.next());
    assertEquals(1, p.next());
    Thread t = new Thread(p::next);
    t.start();
    t.join();
    assertEquals(3, p.next());
  }

  @Test
  void striped_eachStripeRotatesOnItsOwnFromTheStart() throws Exception {
    CyclePosition p = CyclePosition.striped();
    assertTrue(p.stripes() >= 2 && Integer.bitCount(p.stripes()) == 1, "stripes " + p.stripes());
    assertEquals(List.of(0, 1, 2), List.of(p.next(), p.next(), p.next()));
    assertEquals(List.of(0, 1, 2, 3), onAnotherStripe(p, 4));
    assertEquals(3, p.next()); // ours went on where it was
  }
}
