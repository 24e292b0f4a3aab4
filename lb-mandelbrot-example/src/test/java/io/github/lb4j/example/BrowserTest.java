package io.github.lb4j.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.lb4j.Endpoint;
import java.io.File;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.interactions.PointerInput;
import org.openqa.selenium.interactions.Sequence;
import org.openqa.selenium.interactions.WheelInput;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import picocli.CommandLine;

/**
 * The page in a real headless Chromium: renders, zooms, kills a worker and sees the render still
 * complete and the replacement appear. Uses the system's Chromium and chromedriver (Debian's {@code
 * chromium} and {@code chromium-driver}); skipped when they are not installed.
 */
@Timeout(120)
final class BrowserTest {
  static final File CHROMIUM = new File("/usr/bin/chromium");
  static final File DRIVER = new File("/usr/bin/chromedriver");
  static final Path SHOTS = Paths.get("target", "browser");

  ServeCommand.Running running;
  ChromeDriverService service;
  ChromeDriver driver;
  Path profile;
  WebDriverWait wait;
  // The API's own view of a render, beside the page's; one client, not one per question.
  final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws IOException {
    assumeTrue(
        CHROMIUM.canExecute() && DRIVER.canExecute(),
        "skipped: no Chromium at "
            + CHROMIUM
            + " or no chromedriver at "
            + DRIVER
            + " (Debian: apt-get install chromium chromium-driver)");
    ServeCommand cmd = new ServeCommand();
    new CommandLine(cmd).parseArgs("--port", "0", "--workers", "3");
    running = cmd.start();
    profile = Files.createTempDirectory("lb4j-chromium-");
    service =
        new ChromeDriverService.Builder().usingDriverExecutable(DRIVER).usingAnyFreePort().build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM);
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1560,1000",
        "--user-data-dir=" + profile.toAbsolutePath());
    driver = new ChromeDriver(service, options);
    wait = new WebDriverWait(driver, Duration.ofSeconds(30));
    wait.ignoring(StaleElementReferenceException.class);
    Files.createDirectories(SHOTS);
  }

  @AfterEach
  void stop() throws IOException {
    if (driver != null) {
      driver.quit();
    }
    if (service != null) {
      service.stop();
    }
    if (running != null) {
      running.close();
    }
    if (profile != null) {
      try (Stream<Path> files = Files.walk(profile)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  Object js(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  String attr(String id, String name) {
    return driver.findElement(By.id(id)).getAttribute(name);
  }

  /** Waits until a render other than {@code previous} has every tile drawn; returns its id. */
  String awaitRender(String previous) {
    wait.until(
        d -> {
          String job = attr("image", "data-job");
          return job != null && !job.equals(previous) && "done".equals(attr("image", "data-state"));
        });
    assertTrue(
        driver.findElement(By.id("error")).getAttribute("hidden") != null,
        "no error shown: " + driver.findElement(By.id("error")).getText());
    return attr("image", "data-job");
  }

  /**
   * Waits until the dashboard shows render {@code job} finished and returns its tiles per worker as
   * the table shows them, with "cache" and "total".
   */
  @SuppressWarnings("unchecked")
  Map<String, Long> dashboardTiles(String job) {
    wait.until(
        d ->
            driver
                .findElement(By.id("last-render"))
                .getText()
                .equals("last render " + job + " (done)"));
    return (Map<String, Long>)
        js(
            "const out = {};"
                + "for (const tr of document.querySelectorAll('#workers tbody tr')) {"
                + "  out[tr.dataset.id] = Number(tr.querySelector('td.tiles').textContent); }"
                + "out.cache = Number(document.getElementById('cached-tiles').textContent);"
                + "out.total = Number(document.getElementById('total-tiles').textContent);"
                + "return out;");
  }

  static long workerTiles(Map<String, Long> tiles) {
    return tiles.entrySet().stream()
        .filter(e -> !e.getKey().equals("total"))
        .mapToLong(Map.Entry::getValue)
        .sum();
  }

  static long workersWithTiles(Map<String, Long> tiles) {
    return tiles.entrySet().stream()
        .filter(e -> e.getKey().startsWith("worker-") && e.getValue() > 0)
        .count();
  }

  void screenshot(String name) throws IOException {
    Path shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath();
    Files.copy(shot, SHOTS.resolve(name), StandardCopyOption.REPLACE_EXISTING);
  }

  void setField(String id, String value) {
    WebElement e = driver.findElement(By.id(id));
    e.clear();
    e.sendKeys(value);
  }

  /** Presses {@code e} with a real pointer, holds it 600 ms and releases it. */
  void slowClick(WebElement e) {
    press(e, 600);
  }

  /** Presses {@code e} with a real pointer, holds it {@code millis} and releases it. */
  void press(WebElement e, long millis) {
    new Actions(driver)
        .moveToElement(e)
        .clickAndHold()
        .pause(Duration.ofMillis(millis))
        .release()
        .perform();
  }

  long refreshes() {
    return ((Number) js("return window.lb4jPage.refreshes;")).longValue();
  }

  LocalWorker worker(String id) {
    return running.frontEnd.supervisor().workers().stream()
        .filter(w -> w.id().equals(id))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void tiles_aRenderOfManyTiles_drawsEachWithAConstantNumberOfCanvasCalls() throws Exception {
    driver.get(running.uri().toString());
    String first = awaitRender(null);
    // Count the 2D context calls that paint the image and its tint layer (not the load chart).
    js(
        "window.paints = {};"
            + "for (const name of ['drawImage', 'fillRect', 'strokeRect', 'clearRect', 'putImageData']) {"
            + "  const f = CanvasRenderingContext2D.prototype[name];"
            + "  CanvasRenderingContext2D.prototype[name] = function (...args) {"
            + "    const id = this.canvas.id;"
            + "    if (id === 'image' || id === 'overlay') {"
            + "      window.paints[name] = (window.paints[name] || 0) + 1; }"
            + "    return f.apply(this, args); }; }");
    setField("width", "1024");
    setField("height", "1024");
    setField("tile", "16");
    setField("maxIter", "40");
    driver.findElement(By.id("render")).click();
    new WebDriverWait(driver, Duration.ofSeconds(90))
        .until(
            d ->
                !first.equals(attr("image", "data-job"))
                    && "done".equals(attr("image", "data-state")));
    int tiles = 64 * 64;
    @SuppressWarnings("unchecked")
    Map<String, Long> paints = (Map<String, Long>) js("return window.paints;");
    long all = paints.values().stream().mapToLong(Long::longValue).sum();
    assertEquals(tiles, paints.get("drawImage"), "each tile drawn once: " + paints);
    // Per tile: its image, and on the tint layer a clear, a fill and a border; plus the
    // render's one clear of the image. A full redraw per tile would be about tiles^2 / 2 calls.
    assertTrue(all <= 4L * tiles + 1, "calls: " + paints);
    System.out.printf(
        "4096 tiles: server job %s ms, all drawn after %s ms, canvas calls %s%n",
        attr("image", "data-elapsed-ms"), attr("image", "data-drawn-ms"), paints);
  }

  @Test
  void dashboard_buttonsHeld600msWhileItRefreshes_eachClickTakesEffect() throws Exception {
    driver.get(running.uri().toString());
    awaitRender(null);
    String id = running.frontEnd.supervisor().workers().get(1).id();
    By slowButton =
        By.cssSelector("#workers tr[data-id='" + id + "'] button[data-id='" + id + "']");
    WebElement slow = driver.findElements(slowButton).get(0);
    assertEquals("Slow", slow.getText());

    long before = refreshes();
    slowClick(slow);
    assertTrue(refreshes() > before, "the dashboard refreshed while the button was held");
    wait.until(d -> worker(id).slowFactor() > 1);
    // The same element has become Restore: the dashboard changed it in place.
    wait.until(d -> slow.getText().equals("Restore"));

    before = refreshes();
    slowClick(slow);
    assertTrue(refreshes() > before, "the dashboard refreshed while the button was held");
    wait.until(d -> worker(id).slowFactor() == 1);
    wait.until(d -> slow.getText().equals("Slow"));

    WebElement kill =
        driver.findElement(
            By.cssSelector("#workers button[data-action='kill'][data-id='" + id + "']"));
    before = refreshes();
    slowClick(kill);
    assertTrue(refreshes() > before, "the dashboard refreshed while the button was held");
    wait.until(
        d ->
            running.frontEnd.supervisor().workers().stream()
                .noneMatch(w -> w.id().equals(id) && !w.isClosed()));
  }

  @Test
  void dashboard_aButtonHeld300msWhileItRefreshes_works20Of20() throws Exception {
    // A long render keeps the dashboard refreshing every 200 ms (500 ms when idle), so the presses
    // overlap refreshes: a deep view, on workers the test slows (but the one it presses for).
    String id = running.frontEnd.supervisor().workers().get(1).id();
    running.frontEnd.supervisor().workers().stream()
        .filter(w -> !w.id().equals(id))
        .forEach(w -> w.slowFactor(20));
    driver.get(running.uri().resolve("/?re=-0.7453&im=0.1127&zoom=200&maxIter=50000").toString());
    wait.until(d -> "running".equals(attr("image", "data-state")));
    String small = attr("image", "data-job");
    setField("width", "1200");
    setField("height", "900");
    driver.findElement(By.id("render")).click();
    wait.until(
        d ->
            "running".equals(attr("image", "data-state"))
                && !small.equals(attr("image", "data-job")));
    WebElement button =
        driver.findElement(
            By.cssSelector("#workers tr[data-id='" + id + "'] button[data-id='" + id + "']"));
    int overlapped = 0;
    for (int i = 0; i < 20; i++) {
      boolean slowing = i % 2 == 0;
      assertEquals(slowing ? "Slow" : "Restore", button.getText(), "press " + i);
      long before = refreshes();
      press(button, 300);
      if (refreshes() > before) {
        overlapped++;
      }
      wait.until(d -> slowing ? worker(id).slowFactor() > 1 : worker(id).slowFactor() == 1);
      wait.until(d -> button.getText().equals(slowing ? "Restore" : "Slow"));
    }
    // Each of the 20 took effect on the same element; most of them were held across a refresh.
    System.out.printf("20 presses of 300 ms, all taken; %d held across a refresh%n", overlapped);
    assertTrue(overlapped >= 10, "presses held across a refresh: " + overlapped + " of 20");
  }

  /**
   * The page's status answers are held back 400 ms and each click lands while one is held, so that
   * an answer asked for before the click arrives after the click's change: the checkbox must keep
   * the user's value throughout, not flick back to what the stale answer says until the next one.
   */
  @Test
  void dashboard_aStatusAskedForBeforeAChange_doesNotUndoItOnThePage() throws Exception {
    driver.get(running.uri().toString());
    awaitRender(null);
    js(
        "const fetch0 = window.fetch;"
            + "window.fetch = (url, opts) => {"
            + "  const answer = fetch0(url, opts);"
            + "  if (!String(url).startsWith('/api/status')) return answer;"
            + "  window.statusAsked++;"
            + "  return answer.then((r) => new Promise((ok) => setTimeout(() => {"
            + "    window.statusAsked--; ok(r); }, 400))); };"
            + "window.statusAsked = 0;"
            + "window.seen = [];"
            + "setInterval(() => {"
            + "  const v = document.getElementById('replacing').checked;"
            + "  if (window.seen[window.seen.length - 1] !== v) window.seen.push(v); }, 5);");
    WebElement box = driver.findElement(By.id("replacing"));
    for (int i = 0; i < 4; i++) {
      boolean before = box.isSelected();
      assertEquals(before, running.frontEnd.supervisor().isReplacing());
      long refreshes = refreshes();
      js("window.seen = [document.getElementById('replacing').checked];");
      // Click while an answer asked for before the click is held back.
      wait.until(d -> ((Number) js("return window.statusAsked;")).intValue() > 0);
      box.click();
      wait.until(d -> running.frontEnd.supervisor().isReplacing() != before);
      // Three answers later, at least two were asked for before the change ended or during it.
      wait.until(d -> refreshes() >= refreshes + 3);
      assertEquals(
          List.of(before, !before), js("return window.seen;"), "checkbox values seen, round " + i);
      assertEquals(!before, box.isSelected());
    }
  }

  @Test
  void picker_change_rendersAgainAndRecomputeShowsTheNewDistribution() throws Exception {
    driver.get(running.uri().toString());
    String first = awaitRender(null);
    assertEquals(35L, workerTiles(dashboardTiles(first)));

    // The same view with another picker: recompute (on by default) sends every tile to workers.
    new Select(driver.findElement(By.id("picker"))).selectByValue("round-robin");
    String recomputed = awaitRender(first);
    Map<String, Long> tiles = dashboardTiles(recomputed);
    assertEquals(0L, tiles.get("cache"), tiles.toString());
    assertEquals(35L, workerTiles(tiles), tiles.toString());
    assertTrue(workersWithTiles(tiles) > 1, tiles.toString());
    assertTrue(
        driver.findElement(By.id("progress-text")).getText().endsWith("round-robin"),
        driver.findElement(By.id("progress-text")).getText());
    assertTrue(driver.getCurrentUrl().contains("picker=round-robin"), driver.getCurrentUrl());

    // With recompute off, a picker change still renders, from the cache.
    driver.findElement(By.id("recompute")).click();
    new Select(driver.findElement(By.id("picker"))).selectByValue("random");
    String cached = awaitRender(recomputed);
    assertEquals(35L, dashboardTiles(cached).get("cache"));
  }

  /** The state of render {@code id} as the front end's API answers it. */
  String jobState(String id) {
    HttpResponse<String> r;
    try {
      r =
          http.send(
              HttpRequest.newBuilder(running.uri().resolve("/api/renders/" + id)).build(),
              HttpResponse.BodyHandlers.ofString());
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException("GET /api/renders/" + id + ": " + e, e);
    }
    Matcher m = Pattern.compile("\"state\":\"(\\w+)\"").matcher(r.body());
    assertTrue(m.find(), "no state in " + r.body());
    return m.group(1);
  }

  boolean workersIdle() {
    return running.frontEnd.supervisor().workers().stream().allMatch(w -> w.inFlight() == 0);
  }

  @Test
  void cancel_theButtonAndANewViewStopTheRenderAtTheWorkers_aRefusedViewDoesNot() throws Exception {
    // Seahorse valley at a high limit on workers slowed 20 times: far longer than the test takes,
    // even where tiles of the first render come from the cache in the second.
    running.frontEnd.supervisor().workers().forEach(w -> w.slowFactor(20));
    String deep = "/?re=-0.7453&im=0.1127&zoom=200&maxIter=60000";
    driver.get(running.uri().resolve(deep).toString());
    WebElement cancel = driver.findElement(By.id("cancel"));
    wait.until(d -> "running".equals(attr("image", "data-state")) && cancel.isEnabled());
    String first = attr("image", "data-job");
    slowClick(cancel);
    wait.until(d -> "cancelled".equals(attr("image", "data-state")));
    assertTrue(
        driver.findElement(By.id("progress-text")).getText().startsWith("cancelled"),
        driver.findElement(By.id("progress-text")).getText());
    assertFalse(cancel.isEnabled(), "nothing left to cancel");
    assertEquals("cancelled", jobState(first));
    wait.until(d -> workersIdle()); // the workers stopped computing its tiles

    // A new view while a render runs: the old render is cancelled, not left to finish.
    driver.get(running.uri().resolve(deep).toString());
    wait.until(
        d ->
            "running".equals(attr("image", "data-state"))
                && !first.equals(attr("image", "data-job")));
    String second = attr("image", "data-job");
    // A view the front end refuses (over its cost bound) leaves the render on screen running.
    setField("width", "4096");
    setField("height", "4096");
    setField("maxIter", "65535");
    driver.findElement(By.id("render")).click();
    wait.until(d -> driver.findElement(By.id("error")).getAttribute("hidden") == null);
    assertTrue(
        driver.findElement(By.id("error")).getText().startsWith("cost:"),
        driver.findElement(By.id("error")).getText());
    assertEquals("running", jobState(second));
    setField("width", "800");
    setField("height", "600");
    setField("maxIter", "200");
    running.frontEnd.supervisor().workers().forEach(w -> w.slowFactor(1));
    driver.findElement(By.id("reset")).click();
    awaitRender(second);
    wait.until(d -> !jobState(second).equals("running"));
    assertEquals("cancelled", jobState(second));
    wait.until(d -> workersIdle());
  }

  @Test
  void chart_aCounterStartingAgainAtAPickerChange_countsOnInsteadOfDippingToZero() {
    driver.get(running.uri().toString());
    awaitRender(null);
    // The chart's own samples, replaced in one synchronous script (no refresh runs in between):
    // 10 tiles a step, and at t = 750 a new balancer whose counter starts again (5 since then).
    Number perSecond =
        (Number)
            js(
                "samples.length = 0;"
                    + "const at = (t, n) => samples.push({t, workers: {w: {inFlight: 1, successes: n}}});"
                    + "at(0, 100); at(250, 110); at(500, 120); at(750, 5); at(1000, 15);"
                    + "return rate(4, 'w');");
    assertEquals(35.0, perSecond.doubleValue(), 1e-9, "10 + 10 + 5 + 10 tiles in one second");
  }

  @Test
  void url_holdsTheView_aLoadRestoresItAndTheWheelZooms() throws Exception {
    driver.get(
        running.uri().resolve("/?re=-0.5&im=0.25&zoom=4&maxIter=200&picker=peak-ewma").toString());
    String first = awaitRender(null);
    assertEquals("centre -0.5 + 0.25i, zoom 4", driver.findElement(By.id("where")).getText());
    assertEquals("200", driver.findElement(By.id("maxIter")).getAttribute("value"));
    assertEquals(
        "peak-ewma",
        new Select(driver.findElement(By.id("picker"))).getFirstSelectedOption().getText());
    assertTrue(driver.findElement(By.id("progress-text")).getText().endsWith("peak-ewma"));

    // A wheel turn towards the user zooms in about the pointer and writes the new view.
    WebElement overlay = driver.findElement(By.id("overlay"));
    new Actions(driver)
        .scrollFromOrigin(WheelInput.ScrollOrigin.fromElement(overlay), 0, -300)
        .perform();
    String zoomed = awaitRender(first);
    String where = driver.findElement(By.id("where")).getText();
    double zoom = Double.parseDouble(where.replaceAll(".*zoom ", ""));
    assertTrue(zoom > 6 && zoom < 10, where);
    String url = driver.getCurrentUrl();
    assertTrue(url.contains("maxIter=200") && url.contains("picker=peak-ewma"), url);

    // The address round-trips: opened again, it shows the same view.
    driver.get(url);
    awaitRender(zoomed);
    assertEquals(where, driver.findElement(By.id("where")).getText());
    assertEquals(url, driver.getCurrentUrl());
  }

  /** The centre and zoom that the page shows, as {re, im, zoom}. */
  double[] shownView() {
    Matcher m =
        Pattern.compile("centre (\\S+) ([+-]) (\\S+)i, zoom (\\S+)")
            .matcher(driver.findElement(By.id("where")).getText());
    assertTrue(m.matches(), driver.findElement(By.id("where")).getText());
    double im = Double.parseDouble(m.group(3)) * (m.group(2).equals("-") ? -1 : 1);
    return new double[] {Double.parseDouble(m.group(1)), im, Double.parseDouble(m.group(4))};
  }

  @Test
  void touch_oneFingerDragsAndTwoPinch() throws Exception {
    driver.get(running.uri().toString());
    String first = awaitRender(null);
    WebElement overlay = driver.findElement(By.id("overlay"));

    // One finger drags the image 120 px to the right: the centre moves left, the zoom stays.
    PointerInput finger = new PointerInput(PointerInput.Kind.TOUCH, "finger");
    Sequence drag =
        new Sequence(finger, 0)
            .addAction(
                finger.createPointerMove(
                    Duration.ZERO, PointerInput.Origin.fromElement(overlay), 0, 0))
            .addAction(finger.createPointerDown(PointerInput.MouseButton.LEFT.asArg()))
            .addAction(
                finger.createPointerMove(
                    Duration.ofMillis(200), PointerInput.Origin.fromElement(overlay), 60, 0))
            .addAction(
                finger.createPointerMove(
                    Duration.ofMillis(200), PointerInput.Origin.fromElement(overlay), 120, 0))
            .addAction(finger.createPointerUp(PointerInput.MouseButton.LEFT.asArg()));
    driver.perform(List.of(drag));
    String dragged = awaitRender(first);
    double[] v = shownView();
    assertTrue(v[0] < -0.75 - 0.2, "dragged right, the centre moved left: " + v[0]);
    assertEquals(0, v[1], 1e-9);
    assertEquals(1, v[2], 1e-9);

    // Two fingers move apart from 100 to 300 px: the zoom triples.
    PointerInput a = new PointerInput(PointerInput.Kind.TOUCH, "a");
    PointerInput b = new PointerInput(PointerInput.Kind.TOUCH, "b");
    Sequence left = new Sequence(a, 0);
    Sequence right = new Sequence(b, 0);
    int[][] steps = {{-50, 50}, {-100, 100}, {-150, 150}};
    left.addAction(
            a.createPointerMove(
                Duration.ZERO, PointerInput.Origin.fromElement(overlay), steps[0][0], 0))
        .addAction(a.createPointerDown(0));
    right
        .addAction(
            b.createPointerMove(
                Duration.ZERO, PointerInput.Origin.fromElement(overlay), steps[0][1], 0))
        .addAction(b.createPointerDown(0));
    for (int i = 1; i < steps.length; i++) {
      left.addAction(
          a.createPointerMove(
              Duration.ofMillis(150), PointerInput.Origin.fromElement(overlay), steps[i][0], 0));
      right.addAction(
          b.createPointerMove(
              Duration.ofMillis(150), PointerInput.Origin.fromElement(overlay), steps[i][1], 0));
    }
    left.addAction(a.createPointerUp(0));
    right.addAction(b.createPointerUp(0));
    driver.perform(List.of(left, right));
    awaitRender(dragged);
    double zoom = shownView()[2];
    assertTrue(zoom > 2.5 && zoom < 3.5, "pinched 100 -> 300 px: zoom " + zoom);
  }

  @Test
  void layout_narrowAndMediumScreens_noSidewaysScrollAndTheDashboardBelowTheImage()
      throws Exception {
    driver.executeCdpCommand(
        "Emulation.setDeviceMetricsOverride",
        Map.of("width", 390, "height", 844, "deviceScaleFactor", 2, "mobile", true));
    driver.get(running.uri().toString());
    awaitRender(null);
    dashboardTiles(attr("image", "data-job")); // the table is filled in
    assertTrue(
        (Boolean) js("return document.documentElement.scrollWidth <= window.innerWidth;"),
        "no horizontal scroll at 390 px: "
            + js("return document.documentElement.scrollWidth + ' > ' + window.innerWidth;"));
    assertTrue(dashboardBelowImage(), "dashboard below the image at 390 px");
    screenshot("4-narrow.png");

    driver.executeCdpCommand(
        "Emulation.setDeviceMetricsOverride",
        Map.of("width", 1100, "height", 900, "deviceScaleFactor", 1, "mobile", false));
    assertTrue(dashboardBelowImage(), "dashboard below the image at 1100 px");
    driver.executeCdpCommand("Emulation.clearDeviceMetricsOverride", Map.of());
    driver.navigate().refresh();
    awaitRender(null);
    assertFalse(dashboardBelowImage(), "dashboard beside the image at 1560 px");
  }

  boolean dashboardBelowImage() {
    return (Boolean)
        js(
            "return document.getElementById('dashboard').getBoundingClientRect().top"
                + " >= document.getElementById('stage').getBoundingClientRect().bottom;");
  }

  /** The text of a worker's cell, or "" while the worker has no row. */
  String cell(String id, String column) {
    List<WebElement> td =
        driver.findElements(By.cssSelector("#workers tr[data-id='" + id + "'] td." + column));
    return td.isEmpty() ? "" : td.get(0).getText();
  }

  long healthyRows() {
    return driver.findElements(By.cssSelector("#workers tbody td.health")).stream()
        .filter(td -> td.getText().equals("HEALTHY"))
        .count();
  }

  @Test
  @Timeout(300)
  void processes_stopResumeAndScaleFromThePage_theDashboardFollows() throws Exception {
    running.close();
    ServeCommand cmd = new ServeCommand();
    new CommandLine(cmd).parseArgs("--port", "0", "--workers", "2", "--processes");
    running = cmd.start();
    // Starting a worker JVM takes seconds, and far more on a loaded 2-core machine running the
    // whole suite: the conditions that wait for one get a long bound.
    WebDriverWait processWait = new WebDriverWait(driver, Duration.ofSeconds(120));
    driver.get(running.uri().toString());
    awaitRender(null);
    long pid = worker("worker-1").pid().orElseThrow();
    wait.until(d -> cell("worker-1", "id").equals("worker-1 (pid " + pid + ")"));
    By slow = By.cssSelector("#workers button[data-action='slow'][data-id='worker-1']");
    assertFalse(driver.findElement(slow).isDisplayed(), "no Slow for a process");

    // Stop: SIGSTOP; the health monitor takes it out; Resume: SIGCONT, healthy again.
    driver.findElement(By.cssSelector("button[data-action='stop'][data-id='worker-1']")).click();
    wait.until(d -> cell("worker-1", "health").endsWith("(stopped)"));
    assertTrue(worker("worker-1").isPaused());
    processWait.until(d -> cell("worker-1", "health").equals("UNHEALTHY (stopped)"));
    driver.findElement(By.cssSelector("button[data-action='resume'][data-id='worker-1']")).click();
    processWait.until(d -> cell("worker-1", "health").equals("HEALTHY"));
    assertFalse(worker("worker-1").isPaused());
    assertEquals(pid, worker("worker-1").pid().orElseThrow(), "resumed, not replaced");

    // Scale to 3, then to 1, from the page.
    setField("scale-count", "3");
    driver.findElement(By.id("scale")).click();
    processWait.until(d -> healthyRows() == 3);
    assertEquals(3, running.frontEnd.supervisor().workers().size());
    setField("scale-count", "1");
    driver.findElement(By.id("scale")).click();
    processWait.until(d -> healthyRows() == 1);
    assertEquals(
        List.of("worker-1"),
        running.frontEnd.supervisor().workers().stream().map(LocalWorker::id).toList());
    assertTrue(
        driver.findElement(By.id("events")).getText().contains("scaled to 1 workers"),
        driver.findElement(By.id("events")).getText());
  }

  @Test
  void page_renderZoomAndKillAWorker_imagesCompleteAndTheReplacementAppears() throws Exception {
    driver.get(running.uri().toString());

    // The page renders the whole set on load: 800x600 in 128-pixel tiles is 7 x 5 = 35 tiles.
    String first = awaitRender(null);
    Map<String, Long> tiles = dashboardTiles(first);
    assertEquals(35L, tiles.get("total"), tiles.toString());
    assertEquals(35L, workerTiles(tiles), "the dashboard's tiles add up: " + tiles);
    assertTrue(workersWithTiles(tiles) > 1, "tiles came from more than one worker: " + tiles);
    String progress = driver.findElement(By.id("progress")).getAttribute("value");
    assertEquals("35", progress);
    assertTrue(driver.findElement(By.id("progress-text")).getText().startsWith("done in "));
    screenshot("1-render.png");

    // Click to zoom in 2x a little above the centre, towards the valley between the two bulbs.
    WebElement overlay = driver.findElement(By.id("overlay"));
    new Actions(driver).moveToElement(overlay, 0, -20).click().perform();
    String zoomed = awaitRender(first);
    assertNotEquals(first, zoomed);
    String where = driver.findElement(By.id("where")).getText();
    assertTrue(where.endsWith("zoom 2"), where);
    assertEquals(35L, workerTiles(dashboardTiles(zoomed)));

    // Drag a box: the zoom grows by the box's share of the image.
    new Actions(driver)
        .moveToElement(overlay, -40, -30)
        .clickAndHold()
        .moveByOffset(80, 60)
        .release()
        .perform();
    String boxed = awaitRender(zoomed);
    double zoom =
        Double.parseDouble(driver.findElement(By.id("where")).getText().replaceAll(".*zoom ", ""));
    assertTrue(zoom > 6, "zoomed into the box: " + zoom);
    screenshot("2-zoomed.png");

    // Kill a worker from the page, then render a new view: it completes on the others.
    List<String> before =
        running.frontEnd.supervisor().workers().stream().map(LocalWorker::id).toList();
    String victim = before.get(0);
    wait.until(
        d -> {
          d.findElement(
                  By.cssSelector("#workers button[data-action='kill'][data-id='" + victim + "']"))
              .click();
          return true;
        });
    // The dashboard marks it killed, unless the supervisor was quicker than the next refresh.
    wait.until(
        d -> {
          List<WebElement> health =
              d.findElements(By.cssSelector("#workers tr[data-id='" + victim + "'] td.health"));
          return (!health.isEmpty() && health.get(0).getText().contains("killed"))
              || running.frontEnd.supervisor().workers().stream()
                  .noneMatch(w -> w.id().equals(victim));
        });
    assertTrue(
        running.frontEnd.supervisor().workers().stream()
            .noneMatch(w -> w.id().equals(victim) && !w.isClosed()),
        "the victim is down");
    setField("maxIter", "300");
    driver.findElement(By.id("render")).click();
    String afterKill = awaitRender(boxed);
    Map<String, Long> afterKillTiles = dashboardTiles(afterKill);
    assertEquals(35L, workerTiles(afterKillTiles), afterKillTiles.toString());

    // The health monitor notices, the supervisor replaces the worker, the dashboard shows it.
    wait.until(
        d -> {
          List<String> ids =
              d.findElements(By.cssSelector("#workers tbody tr")).stream()
                  .filter(
                      tr -> tr.findElement(By.cssSelector("td.health")).getText().equals("HEALTHY"))
                  .map(tr -> tr.getAttribute("data-id"))
                  .toList();
          return ids.size() == 3 && !ids.contains(victim);
        });
    List<String> after =
        running.frontEnd.supervisor().workers().stream().map(LocalWorker::id).toList();
    assertFalse(after.contains(victim), after.toString());
    assertTrue(
        driver.findElement(By.id("events")).getText().contains("supervisor replaced " + victim),
        driver.findElement(By.id("events")).getText());

    // The replacement takes part in the next render.
    setField("maxIter", "350");
    driver.findElement(By.id("render")).click();
    String replaced = awaitRender(afterKill);
    Map<String, Long> last = dashboardTiles(replaced);
    assertEquals(35L, workerTiles(last), last.toString());
    assertTrue(workersWithTiles(last) > 1, last.toString());
    screenshot("3-after-kill.png");

    // Input the form accepts and the server refuses: the server's message is shown on the page.
    setField("width", "4096");
    setField("height", "4096");
    setField("tile", "16");
    driver.findElement(By.id("render")).click();
    wait.until(d -> d.findElement(By.id("error")).isDisplayed());
    assertEquals(
        "tile: 16 (expected: at most 4096 tiles per image; 4096x4096 makes 65536)",
        driver.findElement(By.id("error")).getText());
    assertEquals(replaced, attr("image", "data-job"), "the last image stays");
  }

  @Test
  void proxyDashboard_showsTheUpstreams_andAKilledOneGoingOut() throws Exception {
    List<Endpoint> upstreams = List.copyOf(running.workers.endpoints);
    try (ReverseProxy proxy =
        ReverseProxy.start(
            "127.0.0.1",
            0,
            ReverseProxy.balancer(upstreams, PickerName.LEAST_CONNECTION, Duration.ofMillis(200)),
            new ReverseProxy.Settings(3, Duration.ofSeconds(10), null),
            ReverseProxy.limits())) {
      driver.get(proxy.uri().resolve(ReverseProxy.DASHBOARD).toString());
      By rows = By.cssSelector("#upstreams tr");
      wait.until(d -> d.findElements(rows).size() == upstreams.size());
      wait.until(
          d -> d.findElement(By.id("summary")).getText().contains("3 of 3 upstreams available"));
      String killed = upstreams.get(0).id();
      worker(killed).close();
      // Active checks every 200 ms take it out; the page shows it on its next poll.
      wait.until(
          d ->
              d.findElements(rows).stream()
                  .anyMatch(
                      tr ->
                          tr.getText().startsWith(killed + " ")
                              && !tr.findElements(By.tagName("td"))
                                  .get(1)
                                  .getText()
                                  .equals("HEALTHY")));
      wait.until(
          d -> d.findElement(By.id("summary")).getText().contains("2 of 3 upstreams available"));
      assertEquals("", driver.findElement(By.id("error")).getText());
      screenshot("proxy-dashboard.png");
    }
  }
}
