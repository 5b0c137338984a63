package dev.quiver.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console at {@code /dashboard} in a real headless browser (Debian's chromium, driven
 * through chromedriver by Selenium) against a node with TLS, API keys and JWT access control. Each
 * kind of credential signs in and reads every page; what it may not do must show as not allowed.
 * Screenshots go to {@code target/console-screenshots}.
 */
class ConsoleIT {
  static final String KEY = "console-full-key-0123456789";
  static final String RO = "console-read-only-key-0123456789";
  @TempDir static Path work;
  static QuiverProcess node;
  static String base;
  static Rest rest;

  ConsoleBrowser console;
  WebDriver browser;
  WebDriverWait wait;

  @BeforeAll
  static void start() throws Exception {
    TestPki.nodeTls(work);
    node =
        new QuiverProcess(
                work,
                QuiverProcess.env(
                    "QDRANT__SERVICE__ENABLE_TLS", "true",
                    "QDRANT__SERVICE__API_KEY", KEY,
                    "QDRANT__SERVICE__READ_ONLY_API_KEY", RO,
                    "QDRANT__SERVICE__JWT_RBAC", "true",
                    "QDRANT__AUDIT__ENABLED", "true"))
            .tls(work.resolve("tls/cacert.pem"))
            .start();
    base = "https://localhost:" + node.httpPort;
    SSLContext tls = TlsIT.context(work.resolve("tls/cacert.pem"), null, null);
    rest = new Rest(node.httpPort, null, tls, KEY);
    seed();
  }

  /** Two collections: {@code docs} (30 points, a keyword index, an alias) and {@code private}. */
  static void seed() throws Exception {
    for (String c : List.of("docs", "private")) {
      assertThat(
              rest.send(
                      "PUT",
                      "/collections/" + c,
                      "{\"vectors\": {\"size\": 4, \"distance\": \"Dot\"}}")
                  .status())
          .isEqualTo(200);
    }
    StringBuilder points = new StringBuilder("{\"points\": [");
    String[] cities = {"Berlin", "Lisbon", "Oslo"};
    for (int i = 1; i <= 30; i++) {
      points
          .append(i > 1 ? "," : "")
          .append(
              String.format(
                  Locale.ROOT,
                  "{\"id\": %d, \"vector\": [%.3f, %.3f, %.3f, %.3f], \"payload\": {\"city\": \"%s\","
                      + " \"n\": %d, \"note\": \"<b>bold</b>\"}}",
                  i,
                  Math.sin(i),
                  Math.cos(i),
                  (i % 3) / 3.0,
                  (i % 5) / 5.0,
                  cities[i % 3],
                  i));
    }
    points.append("]}");
    assertThat(rest.send("PUT", "/collections/docs/points?wait=true", points.toString()).status())
        .isEqualTo(200);
    assertThat(
            rest.send(
                    "PUT",
                    "/collections/docs/index?wait=true",
                    "{\"field_name\": \"city\", \"field_schema\": \"keyword\"}")
                .status())
        .isEqualTo(200);
    assertThat(
            rest.send(
                    "POST",
                    "/collections/aliases",
                    "{\"actions\": [{\"create_alias\": {\"collection_name\": \"docs\","
                        + " \"alias_name\": \"docs-alias\"}}]}")
                .status())
        .isEqualTo(200);
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @BeforeEach
  void openBrowser() throws Exception {
    console = new ConsoleBrowser(base, work);
    browser = console.driver;
    wait = console.wait;
  }

  @AfterEach
  void closeBrowser() {
    if (console != null) {
      console.close();
    }
  }

  void signIn(String kind, String value) {
    console.signIn(kind, value);
  }

  WebElement open(String hash, String page) {
    return console.open(hash, page);
  }

  void shot(String name) throws Exception {
    console.shot(name);
  }

  static boolean denied(WebElement view) {
    return ConsoleBrowser.denied(view);
  }

  static List<String> column(WebElement view, int index) {
    return ConsoleBrowser.column(view, index);
  }

  // ---- tests ----

  @Test
  void thePageAndItsAssetsCarryAStrictContentSecurityPolicy() throws Exception {
    HttpClient client =
        HttpClient.newBuilder()
            .sslContext(TlsIT.context(work.resolve("tls/cacert.pem"), null, null))
            .build();
    for (String path :
        List.of("/dashboard", "/dashboard/", "/dashboard/console.js", "/dashboard/console.css")) {
      HttpResponse<String> r =
          client.send(
              HttpRequest.newBuilder(URI.create(base + path)).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(path).isEqualTo(200);
      String csp = r.headers().firstValue("content-security-policy").orElse("");
      assertThat(csp)
          .as(path)
          .contains("default-src 'none'")
          .contains("script-src 'self'")
          .contains("frame-ancestors 'none'")
          .doesNotContain("unsafe-inline")
          .doesNotContain("unsafe-eval");
      assertThat(r.headers().firstValue("x-content-type-options")).contains("nosniff");
    }
    HttpResponse<String> page =
        client.send(
            HttpRequest.newBuilder(URI.create(base + "/dashboard")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(page.body())
        .doesNotContain("http://")
        .doesNotContain("https://")
        .doesNotContain("<script>")
        .doesNotContain("style=");
    HttpResponse<String> missing =
        client.send(
            HttpRequest.newBuilder(URI.create(base + "/dashboard/..%2Fconfig.yaml")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(missing.statusCode()).isEqualTo(404);
  }

  @Test
  void theFullKeySeesEveryPage() throws Exception {
    signIn("api-key", KEY);
    WebElement view = open("#/collections", "collections");
    assertThat(column(view, 0)).containsExactly("docs", "private");
    assertThat(column(view, 2)).containsExactly("30", "0");
    assertThat(view.getText()).contains("city: keyword").contains("docs-alias");
    // the credential lives in this tab's session only
    JavascriptExecutor js = (JavascriptExecutor) browser;
    assertThat(js.executeScript("return localStorage.length")).isEqualTo(0L);
    assertThat(js.executeScript("return document.cookie")).isEqualTo("");
    assertThat(
            (String) js.executeScript("return sessionStorage.getItem('quiver.console.credential')"))
        .contains(KEY);
    shot("collections");

    view = open("#/collections/docs", "collections");
    assertThat(view.getText()).contains("Collection docs").contains("keyword").contains("Dot");
    shot("collection");

    view = open("#/points/docs", "points");
    wait.until(d -> d.findElements(By.cssSelector("#points-results tbody tr")).size() == 20);
    browser
        .findElement(By.id("points-filter"))
        .sendKeys("{\"must\": [{\"key\": \"city\", \"match\": {\"value\": \"Oslo\"}}]}");
    browser.findElement(By.id("points-vectors")).click();
    browser.findElement(By.id("points-scroll")).click();
    wait.until(
        d ->
            d.findElements(By.cssSelector("#points-results tbody tr")).size() == 10
                && d.findElement(By.id("points-results")).getText().contains("["));
    assertThat(column(view, 1)).allMatch(p -> p.contains("\"city\":\"Oslo\""));
    // payload text is shown as text, never interpreted as markup
    assertThat(view.findElements(By.cssSelector("#points-results b"))).isEmpty();
    assertThat(view.getText()).contains("<b>bold</b>");
    shot("points");

    open("#/query/docs", "query");
    assertThat(browser.findElement(By.id("query-path")).getDomProperty("value"))
        .isEqualTo("/collections/docs/points/query");
    // the example runs as it stands: a vector of the collection's size
    WebElement body = browser.findElement(By.id("query-body"));
    JsonNode example = new ObjectMapper().readTree(body.getDomProperty("value"));
    assertThat(example.path("query").size()).isEqualTo(4);
    browser.findElement(By.id("query-run")).click();
    wait.until(d -> d.findElements(By.cssSelector("#query-results tbody tr")).size() == 10);
    // completion from the OpenAPI document: the fields of a query request, then of a filter
    body.clear();
    body.sendKeys("{\"");
    wait.until(
        d -> !d.findElements(By.cssSelector("#query-suggestions [data-field=prefetch]")).isEmpty());
    assertThat(suggestions()).contains("query", "filter", "limit", "with_payload", "using");
    body.sendKeys("filter\": {\"");
    wait.until(d -> suggestions().contains("must"));
    assertThat(suggestions()).contains("must", "should", "must_not", "min_should");
    browser.findElement(By.cssSelector("#query-suggestions [data-field=must]")).click();
    assertThat(body.getDomProperty("value")).endsWith("\"must\": ");
    body.clear();
    body.sendKeys(
        "{\"query\": [0.5, 0.5, 0.2, 0.1], \"limit\": 8, \"with_payload\": true,"
            + " \"with_vector\": true}");
    browser.findElement(By.id("query-run")).click();
    wait.until(ExpectedConditions.presenceOfElementLocated(By.id("query-projection")));
    assertThat(browser.findElements(By.cssSelector("#query-results tbody tr"))).hasSize(8);
    Object painted =
        js.executeScript(
            "const c = document.getElementById('query-projection');"
                + "const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
                + "let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i+2] > 150 && d[i] < 100) n++;"
                + "return n;");
    assertThat((Long) painted).as("blue points drawn on the projection").isGreaterThan(20L);
    shot("query");
    js.executeScript(
        "document.getElementById('query-projection').scrollIntoView({block: 'center'})");
    shot("query-projection");

    view = open("#/cluster", "cluster");
    assertThat(view.getText()).contains("single node");
    shot("cluster");

    view = open("#/audit", "audit");
    wait.until(d -> !d.findElements(By.cssSelector("#audit-results tbody tr")).isEmpty());
    assertThat(view.getText()).contains("create_collection");
    browser.findElement(By.id("audit-collection")).sendKeys("private");
    browser.findElement(By.id("audit-search")).click();
    wait.until(d -> column(d.findElement(By.id("view")), 4).stream().allMatch("private"::equals));
    assertThat(column(browser.findElement(By.id("view")), 4)).isNotEmpty();
    shot("audit");

    view = open("#/security", "security");
    assertThat(view.findElements(By.cssSelector("tbody tr"))).hasSizeGreaterThan(5);
    assertThat(view.findElements(By.cssSelector("tbody .badge"))).isNotEmpty();
    assertThat(view.getText()).contains("pass");
    shot("security");
    console.assertCleanConsole();
  }

  List<String> suggestions() {
    return browser.findElements(By.cssSelector("#query-suggestions [data-field]")).stream()
        .map(e -> e.getDomAttribute("data-field"))
        .toList();
  }

  @Test
  void theReadOnlyKeyReadsAndIsToldWhatItMayNotDo() throws Exception {
    signIn("api-key", RO);
    WebElement view = open("#/collections", "collections");
    assertThat(column(view, 0)).containsExactly("docs", "private");

    open("#/query/docs", "query");
    new Select(browser.findElement(By.id("query-operation"))).selectByValue("upsert_points");
    WebElement body = browser.findElement(By.id("query-body"));
    body.clear();
    body.sendKeys("{\"points\": [{\"id\": 99, \"vector\": [1, 0, 0, 0]}]}");
    browser.findElement(By.id("query-run")).click();
    wait.until(d -> !d.findElements(By.cssSelector("#query-results [data-denied=true]")).isEmpty());
    assertThat(browser.findElement(By.id("query-results")).getText())
        .contains("Not allowed")
        .contains("PUT /collections/docs/points");
    shot("read-only-upsert");

    for (String page : List.of("audit", "security")) {
      view = open("#/" + page, page);
      assertThat(denied(view)).as(page).isTrue();
      assertThat(view.getText()).contains("may not").doesNotContain("HTTP 403");
    }
    shot("read-only-security");
    assertThat(rest.send("GET", "/collections/docs", null).result().path("points_count").asInt())
        .isEqualTo(30);
  }

  @Test
  void aJwtForOneCollectionSeesOnlyThatCollection() throws Exception {
    long exp = Instant.now().plus(Duration.ofHours(1)).getEpochSecond();
    String token =
        AccessMatrixIT.jwt(
            KEY,
            "{\"sub\": \"analyst\", \"exp\": "
                + exp
                + ", \"access\": [{\"collection\": \"docs\", \"access\": \"r\"}]}");
    signIn("jwt", token);
    WebElement view = open("#/collections", "collections");
    assertThat(column(view, 0)).containsExactly("docs");
    assertThat(browser.findElement(By.id("who")).getText()).contains("analyst").contains("docs:r");
    shot("jwt-collections");

    open("#/points/docs", "points");
    wait.until(d -> d.findElements(By.cssSelector("#points-results tbody tr")).size() == 20);

    for (String page : List.of("cluster", "audit", "security")) {
      view = open("#/" + page, page);
      assertThat(denied(view)).as(page).isTrue();
    }
    shot("jwt-cluster");

    browser.findElement(By.id("sign-out")).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-value")));
    assertThat(
            ((JavascriptExecutor) browser)
                .executeScript("return sessionStorage.getItem('quiver.console.credential')"))
        .isNull();
  }

  @Test
  void aWrongKeyDoesNotSignIn() throws Exception {
    signIn("api-key", "not-the-key");
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-error")));
    assertThat(browser.findElement(By.id("login-error")).getText()).contains("Not signed in");
    assertThat(browser.findElement(By.id("nav")).isDisplayed()).isFalse();
    shot("sign-in-refused");
    // "no credential" is for nodes without an API key; this one has one
    new Select(browser.findElement(By.id("login-kind"))).selectByValue("none");
    browser.findElement(By.id("login-submit")).click();
    wait.until(
        d -> d.findElement(By.id("login-error")).getText().contains("Must provide an API key"));
    assertThat(browser.findElement(By.id("nav")).isDisplayed()).isFalse();
  }
}
