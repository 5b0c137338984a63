package dev.quiver.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A headless Debian chromium, driven through its chromedriver by Selenium, on a node's web console
 * ({@code base} + {@code /dashboard}). One per test; not thread-safe.
 */
final class ConsoleBrowser implements AutoCloseable {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final Path SHOTS = Path.of("target", "console-screenshots");

  final WebDriver driver;
  final WebDriverWait wait;
  private final String base;

  /** {@code profiles}: a directory for the browser's throw-away profile. */
  ConsoleBrowser(String base, Path profiles) throws IOException {
    assertThat(CHROMIUM)
        .as("Debian's chromium (apt-get install chromium chromium-driver; .ci/run installs it)")
        .exists();
    assertThat(CHROMEDRIVER).as("Debian's chromium-driver").exists();
    Files.createDirectories(SHOTS);
    this.base = base;
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
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
        "--window-size=1280,900",
        "--user-data-dir=" + Files.createTempDirectory(profiles, "chromium"));
    options.setAcceptInsecureCerts(true); // the node's certificate comes from the test's own CA
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    ChromeDriverService service =
        new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).build();
    this.driver = new ChromeDriver(service, options);
    this.wait = new WebDriverWait(driver, Duration.ofSeconds(20));
    // a page that renders again while a condition reads it leaves stale elements: read again
    this.wait.ignoring(StaleElementReferenceException.class);
  }

  void signIn(String kind, String value) {
    driver.get(base + "/dashboard");
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-kind")));
    new Select(driver.findElement(By.id("login-kind"))).selectByValue(kind);
    if (value != null) {
      driver.findElement(By.id("login-value")).sendKeys(value);
    }
    driver.findElement(By.id("login-submit")).click();
  }

  /** Opens a page and waits until it has rendered (the console marks the view once complete). */
  WebElement open(String hash, String page) {
    driver.get(base + "/dashboard" + hash);
    wait.until(d -> hash.equals(d.findElement(By.tagName("body")).getDomAttribute("data-view")));
    assertThat(driver.findElement(By.tagName("body")).getDomAttribute("data-page")).isEqualTo(page);
    return driver.findElement(By.id("view"));
  }

  void shot(String name) throws IOException {
    Files.write(
        SHOTS.resolve(name + ".png"), ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
  }

  static boolean denied(WebElement view) {
    return !view.findElements(By.cssSelector("[data-denied=true]")).isEmpty();
  }

  /**
   * The texts of column {@code index} of the tables' rows under {@code scope}, read again (up to
   * five times) when the table renders anew while it is read.
   */
  static List<String> column(WebElement scope, int index) {
    for (int attempt = 1; ; attempt++) {
      try {
        List<String> out = new ArrayList<>();
        for (WebElement row : scope.findElements(By.cssSelector("tbody tr"))) {
          out.add(row.findElements(By.tagName("td")).get(index).getText());
        }
        return out;
      } catch (StaleElementReferenceException e) {
        if (attempt == 5) {
          throw e;
        }
      }
    }
  }

  /** No Content-Security-Policy violation, script error or failed asset in the browser's log. */
  void assertCleanConsole() {
    List<String> problems = new ArrayList<>();
    for (LogEntry e : driver.manage().logs().get(LogType.BROWSER)) {
      String m = e.getMessage();
      // the calls a credential may not make answer 401/403 by design
      boolean expectedRefusal = m.contains("status of 403") || m.contains("status of 401");
      if (e.getLevel().intValue() >= Level.WARNING.intValue() && !expectedRefusal) {
        problems.add(m);
      }
    }
    assertThat(problems).as("browser console").isEmpty();
  }

  @Override
  public void close() {
    driver.quit();
  }
}
