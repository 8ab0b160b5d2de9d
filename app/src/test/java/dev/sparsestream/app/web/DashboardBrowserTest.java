package dev.sparsestream.app.web;

import dev.sparsestream.app.train.CommandLineTest;
import dev.sparsestream.app.Main;
import dev.sparsestream.actors.RunFolder;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparsestream.core.data.MnistFiles;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;
import picocli.CommandLine;

/**
 * The dashboard in a real browser: Debian's headless Chromium, driven through its chromedriver (both
 * installed by ./run-tests), watching a small real training run on MNIST. It sees the charts receive new
 * points, changes lambda from the page and sees the learner apply it, pauses and resumes, recovers from a
 * wrong token, and stops the run from the page. It leaves a screenshot in target/dashboard.png.
 *
 * <p>Set SPARSE_STREAM_SKIP_BROWSER=1 to skip it on a machine without Chromium (./run-tests installs it).
 */
public class DashboardBrowserTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Path SCREENSHOT = Path.of("target", "dashboard.png");

    @TempDir
    Path tmp;

    static Path executable(String property, String... candidates) {
        String configured = System.getProperty(property);
        if (configured != null) {
            return Path.of(configured);
        }
        for (String c : candidates) {
            Path p = Path.of(c);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    @Test
    void aLiveRunIsWatchedAndSteeredFromTheBrowser() throws Exception {
        assumeTrue(!"1".equals(System.getenv("SPARSE_STREAM_SKIP_BROWSER")), "browser test skipped on request");
        Path chromium = executable("sparsestream.chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser");
        Path chromedriver = executable("sparsestream.chromedriver", "/usr/bin/chromedriver");
        assertTrue(chromium != null && chromedriver != null, "Chromium and chromedriver are needed (Debian packages "
                + "chromium and chromium-driver; ./run-tests installs them), or set SPARSE_STREAM_SKIP_BROWSER=1");
        Path data = CommandLineTest.mnistParent();
        assumeTrue(MnistFiles.problems(data.resolve("mnist")).isEmpty(), "MNIST not fetched");

        Path runDir = tmp.resolve("run");
        CommandLine train = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        train.setOut(new PrintWriter(out, true));
        train.setErr(new PrintWriter(err, true));
        CompletableFuture<Integer> job = CompletableFuture.supplyAsync(() -> train.execute("train", "--model", "VDL",
                "--epochs", "1000", "--train-samples", "1000", "--data-dir", data.toString(), "--out", runDir.toString(),
                "--no-progress", "--http-port", "0"));
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (Files.notExists(new RunFolder(runDir).controlInfo()) && !job.isDone() && System.nanoTime() < deadline) {
            Thread.sleep(20); // polling a file another thread writes
        }
        assertTrue(Files.exists(new RunFolder(runDir).controlInfo()), "the run's endpoint came up: " + err);
        ControlInfo info = ControlInfo.read(runDir);
        String token = Files.readString(new RunFolder(runDir).controlToken()).strip();
        String base = info.uri("").toString();

        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.toFile());
        // Without the background-networking flags Chromium keeps dialling Google, which this machine refuses.
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-quic", "--user-data-dir=" + tmp.resolve("chromium"), "--window-size=1400,2300");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(chromedriver.toFile())
                .usingAnyFreePort().build();
        WebDriver driver = new ChromeDriver(service, options);
        JavascriptExecutor js = (JavascriptExecutor) driver;
        WebDriverWait wait = new WebDriverWait(driver, WAIT, Duration.ofMillis(100));
        try {
            driver.get(base + "/#token=" + token);

            // The token is taken from the address, which no longer shows it.
            wait.until(d -> !d.getCurrentUrl().contains("token"));
            assertFalse(driver.findElement(By.id("token-row")).isDisplayed(), "no token prompt: the address had it");

            // The charts receive points, and keep receiving them.
            long first = wait.until(d -> positive(points(js)));
            wait.until(d -> points(js) > first + 4 ? true : null);
            assertEquals("VDL", text(driver, "title-model"));
            wait.until(d -> "running".equals(text(d, "status-state")));
            assertTrue(number(js, "return window.sparseStream.charts.psnr.data[1].length") > first,
                    "every chart follows the run");
            wait.until(d -> number(js, "const i = document.getElementById('dictionary'); return i.naturalWidth") > 0);
            wait.until(d -> number(js, "return document.getElementById('reconstructions').naturalWidth") > 0);

            // lambda from the page: accepted, then applied to the batches that follow.
            driver.findElement(By.id("lambda-input")).sendKeys("0.013");
            driver.findElement(By.id("lambda-set")).click();
            wait.until(d -> text(d, "message").contains("lambda 0.013"));
            assertTrue(driver.findElement(By.id("message")).getAttribute("class").contains("ok"));
            wait.until(d -> "0.013".equals(text(d, "status-lambda")));
            wait.until(d -> number(js, "const l = window.sparseStream.charts.lambda.data[1]; return l[l.length - 1]")
                    == 0.013 ? true : null);
            assertEquals(0.013, number(js, "const m = window.sparseStream.charts.lambda.data[2];"
                    + " return m.filter(v => v != null)[0]"), 1e-12, "the change is marked on the lambda chart");

            // Pause: the batch in flight may still land, then nothing; resume: points again.
            driver.findElement(By.id("pause")).click();
            wait.until(d -> "paused".equals(text(d, "status-state")));
            assertEquals("Resume", text(driver, "pause"));
            long paused = points(js);
            Thread.sleep(2500); // watching that nothing happens takes time
            assertTrue(points(js) <= paused + 1, "paused at " + paused + " points, now " + points(js));
            driver.findElement(By.id("pause")).click();
            wait.until(d -> "running".equals(text(d, "status-state")));
            long resumed = points(js);
            wait.until(d -> points(js) > resumed + 2 ? true : null);

            // A wrong token is refused (401) and the page asks for the right one.
            js.executeScript("sessionStorage.setItem('sparse-stream-token', '00')");
            driver.findElement(By.id("snapshot")).click();
            wait.until(d -> text(d, "message").startsWith("401"));
            wait.until(d -> d.findElement(By.id("token-row")).isDisplayed());
            driver.findElement(By.id("token-input")).sendKeys(token);
            driver.findElement(By.id("token-save")).click();
            driver.findElement(By.id("snapshot")).click();
            wait.until(d -> text(d, "message").startsWith("snapshot "));
            wait.until(d -> !text(d, "status-snapshot").contains("none"));

            Files.createDirectories(SCREENSHOT.getParent());
            Files.write(SCREENSHOT, ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));

            // Stop from the page, confirmed; the page shows how the run ended.
            driver.findElement(By.id("stop")).click();
            driver.findElement(By.id("stop-confirm")).click();
            wait.until(d -> "stopped".equals(text(d, "status-state")));
            wait.until(d -> "run ended".equals(text(d, "connection")));
            assertEquals(0, job.get(60, TimeUnit.SECONDS), err.toString());
        } finally {
            driver.quit();
            if (!job.isDone()) {
                Main.commandLine().execute("control", "stop", "--run", runDir.toString());
                job.get(60, TimeUnit.SECONDS);
            }
        }
        JsonNode report = new ObjectMapper().readTree(runDir.resolve("report.json").toFile());
        List<Double> lambdas = report.get("lambdaChanges").findValuesAsText("lambda").stream().map(Double::valueOf)
                .toList();
        assertEquals(List.of(0.013), lambdas, report.get("lambdaChanges").toString());
        assertTrue(Files.size(SCREENSHOT) > 50_000, "a screenshot of a full page");
    }

    private static long points(JavascriptExecutor js) {
        return (long) number(js, "return window.sparseStream ? window.sparseStream.points() : 0");
    }

    private static Long positive(long v) {
        return v > 0 ? v : null;
    }

    private static double number(JavascriptExecutor js, String script) {
        Object v = js.executeScript(script);
        return v instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    /** The element's text as the page set it (getText would apply the style sheet's upper-casing). */
    private static String text(WebDriver d, String id) {
        return d.findElement(By.id(id)).getDomProperty("textContent");
    }
}
