package io.github.lb4j.core;

import io.github.lb4j.Balancer;
import io.github.lb4j.BalancerListener;
import io.github.lb4j.Endpoint;
import io.github.lb4j.HealthState;
import io.github.lb4j.Lease;
import io.github.lb4j.Ticker;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Measures, on the real clock with the balancer's own scheduler, how long active health checks take
 * to take out a server that was shut down and to re-admit it once it is back, and how long passive
 * ejection lasts. Prints the numbers; asserts nothing (wall-clock numbers depend on the machine).
 *
 * <p>Run from the module directory after {@code test-compile}: {@code java -cp
 * target/classes:target/test-classes:<test classpath> io.github.lb4j.core.HealthTimings}.
 */
final class HealthTimings {
  private static final Duration INTERVAL = Duration.ofMillis(200);
  private static final Duration TIMEOUT = Duration.ofMillis(100);
  private static final int FALL = 3;
  private static final int RISE = 2;
  private static final int RUNS = 5;

  private HealthTimings() {}

  public static void main(String[] args) throws Exception {
    Ticker ticker = Ticker.system();
    System.out.printf(
        "active: interval %d ms + 10%% jitter, timeout %d ms, fall %d, rise %d; %d runs%n",
        INTERVAL.toMillis(), TIMEOUT.toMillis(), FALL, RISE, RUNS);
    for (int run = 1; run <= RUNS; run++) {
      try (HealthServers servers = new HealthServers(3)) {
        BlockingQueue<String> changes = new LinkedBlockingQueue<>();
        ProbeLog probes = new ProbeLog();
        Balancer balancer =
            Balancers.builder()
                .name("timings")
                .endpoints(servers.endpoints())
                .healthCheck(
                    h ->
                        h.interval(INTERVAL)
                            .timeout(TIMEOUT)
                            .unhealthyThreshold(FALL)
                            .healthyThreshold(RISE)
                            .afterProbe(probes))
                .listener(recorder(changes))
                .build();
        try {
          probes.next(3); // every endpoint passed its first probe
          long down = ticker.read();
          servers.shutDown(0);
          String event = changes.poll(30, TimeUnit.SECONDS);
          long detected = ticker.read() - down;
          long up = ticker.read();
          servers.restart(0);
          String back = changes.poll(30, TimeUnit.SECONDS);
          long readmitted = ticker.read() - up;
          System.out.printf(
              "run %d: down -> %s after %d ms (bound interval*fall+timeout+jitter = %d ms);"
                  + " back -> %s after %d ms%n",
              run,
              event,
              TimeUnit.NANOSECONDS.toMillis(detected),
              INTERVAL.toMillis() * FALL + TIMEOUT.toMillis() + INTERVAL.toMillis() * FALL / 10,
              back,
              TimeUnit.NANOSECONDS.toMillis(readmitted));
        } finally {
          balancer.close();
        }
      }
    }

    try (HealthServers servers = new HealthServers(3)) {
      BlockingQueue<String> changes = new LinkedBlockingQueue<>();
      Balancer balancer =
          Balancers.builder()
              .name("passive")
              .endpoints(servers.endpoints())
              .outlierDetection(
                  o -> o.baseEjectionTime(Duration.ofMillis(500)).maxEjectedShare(0.5))
              .listener(recorder(changes))
              .build();
      okhttp3.OkHttpClient client = new okhttp3.OkHttpClient();
      servers.answer(1, 500);
      long start = ticker.read();
      int calls = 0;
      while (changes.isEmpty() && calls < 1000) {
        calls++;
        try (Lease lease = balancer.acquire()) {
          okhttp3.Request request =
              new okhttp3.Request.Builder().url(lease.endpoint().address().toString()).build();
          try (okhttp3.Response response = client.newCall(request).execute()) {
            if (response.code() >= 500) {
              lease.failure();
            } else {
              lease.success();
            }
          }
        }
      }
      long ejectedAfter = ticker.read() - start;
      String ejected = changes.take();
      long ejectedAt = ticker.read();
      String restored = changes.poll(30, TimeUnit.SECONDS);
      System.out.printf(
          "passive: %s after %d calls, %d ms of real HTTP; %s after %d ms (base 500 ms)%n",
          ejected,
          calls,
          TimeUnit.NANOSECONDS.toMillis(ejectedAfter),
          restored,
          TimeUnit.NANOSECONDS.toMillis(ticker.read() - ejectedAt));
      balancer.close();
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    }
  }

  private static BalancerListener recorder(BlockingQueue<String> changes) {
    return new BalancerListener() {
      @Override
      public void onHealthChanged(
          Balancer b, Endpoint e, HealthState from, HealthState to, String reason) {
        changes.add(from + " -> " + to);
      }
    };
  }
}
