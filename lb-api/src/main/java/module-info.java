/**
 * The lb4j API: {@link io.github.lb4j.Balancer}, its value types and its service-provider
 * interfaces ({@link io.github.lb4j.PickerFactory}, {@link io.github.lb4j.HealthProbe}, {@link
 * io.github.lb4j.KeyHasher}, {@link io.github.lb4j.Ticker}). Depends on the JDK only.
 */
module io.github.lb4j.api {
  exports io.github.lb4j;
}
