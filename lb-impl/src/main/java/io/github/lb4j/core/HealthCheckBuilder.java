package io.github.lb4j.core;

import static io.github.lb4j.internal.Checks.atLeastOne;
import static io.github.lb4j.internal.Checks.positive;

import io.github.lb4j.Endpoint;
import io.github.lb4j.HealthProbe;
import io.github.lb4j.internal.HttpProbes;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiConsumer;

/**
 * Configures active health checks in {@link BalancerBuilder#healthCheck}: every endpoint is probed
 * periodically, taken out of rotation ({@link io.github.lb4j.HealthState#UNHEALTHY}) after {@link
 * #unhealthyThreshold} consecutive failed probes and put back after {@link #healthyThreshold}
 * consecutive passing ones.
 *
 * <p>By default a probe is {@code GET /health} on the endpoint's address with the JDK's {@link
 * HttpClient}, a 2xx answer being healthy and a redirect not followed; {@link #probe(HealthProbe)}
 * plugs in any other check (lb-okhttp has one on OkHttp). Defaults, chosen so that a dead endpoint
 * is out within about 16 seconds while one lost probe never takes an endpoint out: interval 5 s
 * plus up to 10% jitter, timeout 1 s, 3 failures to go out, 2 successes to come back.
 *
 * <p>Endpoints start {@link io.github.lb4j.HealthState#HEALTHY} when they join and are probed at
 * once (after a random part of the jitter), so a dead newcomer is out after its first few probes; a
 * removed endpoint is not probed again. Probes run on the balancer's scheduler, one in flight per
 * endpoint, the next one an interval after the previous one finished.
 *
 * <p>Not thread safe; used only inside {@link BalancerBuilder#healthCheck}.
 */
public final class HealthCheckBuilder {
  /** The path probed unless set. */
  public static final String DEFAULT_PATH = "/health";

  /** The time between the end of a probe and the start of the next unless set. */
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);

  /** The time a probe may take unless set. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);

  /** The jitter unless set: up to 10% of the interval is added to each wait. */
  public static final double DEFAULT_JITTER = 0.1;

  /** Consecutive failed probes that take an endpoint out unless set. */
  public static final int DEFAULT_UNHEALTHY_THRESHOLD = 3;

  /** Consecutive passing probes that put an endpoint back unless set. */
  public static final int DEFAULT_HEALTHY_THRESHOLD = 2;

  private String path = DEFAULT_PATH;
  private Duration interval = DEFAULT_INTERVAL;
  private Duration timeout = DEFAULT_TIMEOUT;
  private double jitter = DEFAULT_JITTER;
  private int unhealthyThreshold = DEFAULT_UNHEALTHY_THRESHOLD;
  private int healthyThreshold = DEFAULT_HEALTHY_THRESHOLD;
  private HealthProbe probe;
  private HttpClient httpClient;
  private Random random;
  private BiConsumer<Endpoint, Boolean> afterProbe = (e, ok) -> {};

  HealthCheckBuilder() {}

  /**
   * The path of the built-in HTTP probe, resolved against each endpoint's address; {@value
   * #DEFAULT_PATH} unless set. Ignored when {@link #probe(HealthProbe)} is set.
   *
   * @param path an absolute path such as {@code /health} or {@code /ready?deep=false}
   * @return this builder
   */
  public HealthCheckBuilder path(String path) {
    this.path = HttpProbes.path(path);
    return this;
  }

  /**
   * The wait between the end of one probe of an endpoint and the start of the next; 5 s unless set.
   *
   * @param interval the wait between probes, {@code > 0}
   * @return this builder
   */
  public HealthCheckBuilder interval(Duration interval) {
    this.interval = positive("interval", interval);
    return this;
  }

  /**
   * How long a probe may take before it counts as failed; 1 s unless set.
   *
   * @param timeout the longest a probe may take, {@code > 0}
   * @return this builder
   */
  public HealthCheckBuilder timeout(Duration timeout) {
    this.timeout = positive("timeout", timeout);
    return this;
  }

  /**
   * A random extra wait of up to this share of the interval before each probe, so that many clients
   * started together do not probe in lockstep; 0.1 unless set.
   *
   * @param share in {@code [0, 1]}
   * @return this builder
   */
  public HealthCheckBuilder jitter(double share) {
    if (!(share >= 0 && share <= 1)) {
      throw new IllegalArgumentException("jitter: " + share + " (expected: in [0, 1])");
    }
    this.jitter = share;
    return this;
  }

  /**
   * Consecutive failed probes that mark a healthy endpoint unhealthy; 3 unless set. Above 1, a
   * single lost probe never takes an endpoint out.
   *
   * @param count {@code >= 1}
   * @return this builder
   */
  public HealthCheckBuilder unhealthyThreshold(int count) {
    this.unhealthyThreshold = atLeastOne("unhealthyThreshold", count);
    return this;
  }

  /**
   * Consecutive passing probes that mark an unhealthy endpoint healthy again; 2 unless set.
   *
   * @param count {@code >= 1}
   * @return this builder
   */
  public HealthCheckBuilder healthyThreshold(int count) {
    this.healthyThreshold = atLeastOne("healthyThreshold", count);
    return this;
  }

  /**
   * A custom probe (a TCP connect, a gRPC health call) instead of the built-in HTTP one. A probe
   * that throws or fails counts as a failed probe and is logged.
   *
   * @param probe the probe to run against each endpoint
   * @return this builder
   */
  public HealthCheckBuilder probe(HealthProbe probe) {
    this.probe = Objects.requireNonNull(probe, "probe");
    return this;
  }

  /**
   * The JDK client of the built-in HTTP probe, to share its connections, executor, TLS ({@code
   * SSLContext}) and proxy settings; it is left open when the balancer closes. Each probe request
   * times out after {@link #timeout}; the client's own connect timeout applies to new connections.
   * A redirect is never healthy, even when this client follows redirects: the verdict is on the
   * endpoint's own answer. Unless set, the probe makes a client of its own: HTTP/1.1, connect
   * timeout {@link #timeout}, redirects not followed.
   *
   * @param client the client to share
   * @return this builder
   */
  public HealthCheckBuilder httpClient(HttpClient client) {
    this.httpClient = Objects.requireNonNull(client, "client");
    return this;
  }

  /**
   * The source of jitter, for repeatable tests; {@link ThreadLocalRandom} unless set.
   *
   * @param random the source of jitter
   * @return this builder
   */
  public HealthCheckBuilder random(Random random) {
    this.random = Objects.requireNonNull(random, "random");
    return this;
  }

  /** Tests: called after each probe's outcome has been applied, on the thread that applied it. */
  HealthCheckBuilder afterProbe(BiConsumer<Endpoint, Boolean> hook) {
    this.afterProbe = Objects.requireNonNull(hook, "hook");
    return this;
  }

  HealthProbe newProbe() {
    return newProbe(null);
  }

  /** The probe; the built-in one hands the load reports of its answers to {@code loadHeaders}. */
  private HealthProbe newProbe(BiConsumer<Endpoint, String> loadHeaders) {
    if (probe != null) {
      return probe;
    }
    HttpClient client =
        httpClient != null
            ? httpClient
            : HttpClient.newBuilder()
                // HTTP/1.1: no h2c upgrade headers on plain http, which some servers refuse.
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    return new HttpHealthProbe(client, path, timeout, httpClient == null, loadHeaders);
  }

  ActiveHealthChecker build(DefaultBalancer balancer, ScheduledExecutorService scheduler) {
    return new ActiveHealthChecker(
        balancer,
        scheduler,
        newProbe(
            (endpoint, header) -> {
              EndpointSlot slot = balancer.slot(endpoint.id());
              if (slot != null) {
                slot.reportLoadHeader(header);
              }
            }),
        interval.toNanos(),
        timeout.toNanos(),
        jitter,
        unhealthyThreshold,
        healthyThreshold,
        random,
        afterProbe);
  }
}
