package app.core;

import io.github.lb4j.Balancer;
import io.github.lb4j.Endpoint;
import io.github.lb4j.core.Balancers;
import io.github.lb4j.core.Pickers;
import io.github.lb4j.discovery.Discovery;
import io.github.lb4j.discovery.Subscription;
import java.time.Duration;

/** Builds a balancer with health checks (and so a scheduler, SLF4J and the JDK's HTTP client). */
public final class Main {
  public static void main(String[] args) {
    try (Balancer balancer =
        Balancers.builder()
            .name("modular")
            .picker(Pickers.roundRobin())
            .healthCheck(h -> h.interval(Duration.ofMinutes(1)))
            .build()) {
      Subscription discovery =
          Discovery.bind(Discovery.parse("static:http://127.0.0.1:9,http://127.0.0.2:9"), balancer);
      Endpoint first = balancer.choose();
      Endpoint second = balancer.choose();
      System.out.println("chose " + first.id() + " then " + second.id());
      discovery.close();
    }
    System.out.println("closed");
  }
}
