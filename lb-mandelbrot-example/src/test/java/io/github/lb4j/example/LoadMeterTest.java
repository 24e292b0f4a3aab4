package io.github.lb4j.example;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.lb4j.LoadReport;
import io.github.lb4j.testing.FakeClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

final class LoadMeterTest {
  static final long MS = 1_000_000;

  final FakeClock clock = new FakeClock();
  final LoadMeter meter = new LoadMeter(clock, 2);

  @Test
  void report_overTheCurrentAndThePreviousWindow_ratesAndShares() {
    clock.advance(Duration.ofMillis(500));
    meter.tileDone(200 * MS, 100 * MS);
    clock.advance(Duration.ofMillis(500)); // the first window ends: it becomes the previous one
    meter.tileDone(300 * MS, 300 * MS);
    clock.advance(Duration.ofMillis(500));
    LoadReport r = meter.report(3, 4096);
    // 2 tiles in 1.5 s; 500 ms busy and 400 ms CPU of 2 threads x 1.5 s.
    assertEquals(2 / 1.5, r.rps(), 1e-9);
    assertEquals(0.5 / 3.0, r.applicationUtilization(), 1e-9);
    assertEquals(0.4 / 3.0, r.cpuUtilization(), 1e-9);
    assertEquals(3, r.namedMetric(LoadMeter.QUEUE));
    assertEquals(4096, r.namedMetric(LoadMeter.PENDING_ITERATIONS));
    assertEquals(r, LoadReport.parse(r.toHeaderValue()));
  }

  @Test
  void report_afterTwoIdleWindows_forgetsOldWork() {
    meter.tileDone(100 * MS, 100 * MS);
    clock.advance(Duration.ofMillis(1500));
    assertEquals(1 / 1.5, meter.report(0, 0).rps(), 1e-9);
    clock.advance(Duration.ofMillis(2500));
    LoadReport idle = meter.report(0, 0);
    assertEquals(0, idle.rps());
    assertEquals(0, idle.applicationUtilization());
    assertEquals("TEXT", idle.toHeaderValue());
  }

  @Test
  void report_atTheStart_isFinite() {
    meter.tileDone(0, 0);
    LoadReport r = meter.report(1, 10);
    assertEquals(1000, r.rps(), 1e-9); // one tile over the shortest span counted, 1 ms
  }
}
