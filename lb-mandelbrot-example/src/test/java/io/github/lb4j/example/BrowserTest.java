package io.github.lb4j.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
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
        running.frontEnd.supervisor().workers().stream().map(WorkerServer::id).toList();
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
        running.frontEnd.supervisor().workers().stream().map(WorkerServer::id).toList();
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
}
