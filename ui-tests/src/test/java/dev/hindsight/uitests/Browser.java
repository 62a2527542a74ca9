package dev.hindsight.uitests;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's Chromium, headless, driven by Debian's chromedriver: never a downloaded browser or driver (both paths are
 * given explicitly, so Selenium Manager is not consulted; {@code SE_OFFLINE=true} in the Failsafe environment keeps it
 * offline should anything call it). Override the paths with {@code -Dhindsight.chromium=} and
 * {@code -Dhindsight.chromedriver=}.
 */
final class Browser implements AutoCloseable {
    static final Path CHROMIUM = Path.of(System.getProperty("hindsight.chromium", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getProperty("hindsight.chromedriver", "/usr/bin/chromedriver"));
    static final Path SCREENSHOTS = Path.of(System.getProperty("hindsight.screenshots", "target/screenshots"));
    static final Duration WAIT = Duration.ofSeconds(10);

    final ChromeDriver driver;
    private final ChromeDriverService service;
    private final Path profile;

    private Browser(ChromeDriverService service, ChromeDriver driver, Path profile) {
        this.service = service;
        this.driver = driver;
        this.profile = profile;
    }

    /**
     * Starts the browser, or fails (never skips) with what to install when Chromium or chromedriver is missing.
     */
    static Browser start() {
        for (Path exe : List.of(CHROMIUM, CHROMEDRIVER)) {
            if (!Files.isExecutable(exe)) {
                throw new AssertionError("browser tests need Debian's Chromium and ChromeDriver, but " + exe
                        + " is missing: run ./test.sh (it installs them) or `apt-get install -y chromium"
                        + " chromium-driver` as root");
            }
        }
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
        Path profile;
        try {
            profile = Files.createTempDirectory("hindsight-chromium-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
                "--disable-extensions",
                "--disable-default-apps",
                "--hide-scrollbars",
                "--lang=en-US",
                "--window-size=1440,1000",
                "--user-data-dir=" + profile);
        options.setExperimentalOption("prefs", Map.of("intl.accept_languages", "en-US"));
        options.setCapability("goog:loggingPrefs", Map.of("browser", "ALL"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER.toString()))
                .usingAnyFreePort()
                .withLogOutput(OutputStream.nullOutputStream()) // chromedriver's own log: noise for a passing run
                .build();
        ChromeDriver driver;
        try {
            driver = new ChromeDriver(service, options);
        } catch (RuntimeException e) {
            service.stop();
            deleteQuietly(profile);
            throw e;
        }
        driver.manage().timeouts().scriptTimeout(WAIT);
        return new Browser(service, driver, profile);
    }

    static By testId(String id) {
        return By.cssSelector("[data-testid='" + id + "']");
    }

    void open(String url) {
        driver.get(url);
    }

    WebElement find(String testId) {
        return until(d -> d.findElement(testId(testId)));
    }

    /**
     * Clicks the element {@code locator} finds, finding it again if the page re-rendered it meanwhile (live updates
     * replace rows and headers).
     */
    void click(By locator) {
        until(d -> {
            d.findElement(locator).click();
            return true;
        });
    }

    void click(String testId) {
        click(testId(testId));
    }

    List<WebElement> findAll(String testId) {
        return driver.findElements(testId(testId));
    }

    /** Waits (up to 10 s) until {@code condition} gives a value other than null or false. */
    <T> T until(Function<WebDriver, T> condition) {
        return new WebDriverWait(driver, WAIT, Duration.ofMillis(50))
                .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .ignoring(org.openqa.selenium.NoSuchElementException.class)
                .until(condition);
    }

    Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    /** Saves a PNG of the whole page (beyond the window) as {@code target/screenshots/<name>.png}. */
    Path screenshot(String name) {
        return screenshot(name, true);
    }

    /** Saves a PNG of the whole page or of what the window shows (e.g. with a modal dialog open). */
    Path screenshot(String name, boolean fullPage) {
        try {
            Files.createDirectories(SCREENSHOTS);
            @SuppressWarnings("unchecked")
            Map<String, Object> shot = (Map<String, Object>) (Map<?, ?>) driver.executeCdpCommand(
                    "Page.captureScreenshot", Map.of("format", "png", "captureBeyondViewport", fullPage));
            Path file = SCREENSHOTS.resolve(name + ".png");
            Files.write(file, Base64.getDecoder().decode((String) shot.get("data")));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Removes the notifications in the corner, so that a screenshot shows the page itself. */
    void dismissToasts() {
        js("document.querySelectorAll(\"[data-testid='toast']\").forEach(t => t.remove());");
    }

    /** The page's console messages so far (for failure reports). */
    String consoleLog() {
        StringBuilder out = new StringBuilder();
        try {
            for (LogEntry e : driver.manage().logs().get(LogType.BROWSER)) {
                out.append(e.getLevel()).append(' ').append(e.getMessage()).append('\n');
            }
        } catch (RuntimeException e) {
            out.append("(console log unavailable: ").append(e.getMessage()).append(")\n");
        }
        return out.toString();
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            service.stop();
            deleteQuietly(profile);
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary profile left behind is harmless
        }
    }
}
