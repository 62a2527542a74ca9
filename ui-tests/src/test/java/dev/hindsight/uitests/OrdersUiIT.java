package dev.hindsight.uitests;

import static dev.hindsight.uitests.Browser.testId;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * The order system's web UI in a real browser (headless Debian Chromium) against the embedded default served
 * in-process: the new-order form, actions, time travel, the audit trail, live updates, the live feed, projections,
 * filters and paging, and the API's errors as the user sees them. Screenshots go to {@code target/screenshots/}; a
 * failing test also saves one and reports the page's console.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OrdersUiIT {
    private UiServer server;
    private Browser browser;

    @RegisterExtension
    final TestExecutionExceptionHandler reportFailure = (context, failure) -> {
        if (browser == null) {
            throw failure;
        }
        String name = "FAILED-" + context.getRequiredTestMethod().getName();
        AssertionError report = new AssertionError(
                failure.getMessage() + "\n  page: " + browser.driver.getCurrentUrl()
                        + "\n  screenshot: " + browser.screenshot(name).toAbsolutePath() + "\n  browser console:\n"
                        + browser.consoleLog(),
                failure);
        throw report;
    };

    @BeforeAll
    void start(@TempDir Path dir) {
        browser = Browser.start(); // first: without a browser there is nothing to test
        server = new UiServer(dir);
    }

    @AfterAll
    void stop() {
        try {
            if (browser != null) {
                browser.close();
            }
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    @Test
    void createInForm_payAndShipWithButtons_timeTravel_auditTrail() {
        String user = "ui-user-" + suffix();
        open("/");
        WebElement operator = browser.find("operator");
        type(operator, "ui-clerk");

        // Create the order through the form: 2 × book at 19.99 + 3 × pen at 1.50 = 44.48.
        browser.find("new-order-button").click();
        WebElement form = browser.find("new-order-dialog");
        type(form.findElement(testId("new-order-user")), user);
        new Select(form.findElement(testId("new-order-currency"))).selectByValue("USD");
        fillItem(form.findElements(testId("item-row")).get(0), "book", "2", "19.99");
        form.findElement(testId("add-item")).click();
        fillItem(form.findElements(testId("item-row")).get(1), "pen", "3", "1.50");
        assertThat(form.findElement(testId("new-order-total")).getText()).isEqualTo("$44.48");
        form.findElement(testId("dialog-submit")).click();

        // It appears in the list.
        WebElement row = browser.until(d -> rowOfUser(user));
        String id = row.getDomAttribute("data-order-id");
        assertThat(id).startsWith("ord_");
        assertThat(row.getDomAttribute("data-status")).isEqualTo("created");
        assertThat(row.findElement(testId("order-total")).getText()).isEqualTo("$44.48");
        // the dialog closes when the POST answers; the row can arrive first through the live feed
        browser.until(d -> browser.findAll("new-order-dialog").isEmpty());
        browser.screenshot("01-orders-list");

        // Open it (the row is re-rendered when its own event arrives live: find it afresh); pay and ship it.
        browser.click(
                By.cssSelector("[data-testid='order-row'][data-order-id='" + id + "'] [data-testid='order-link']"));
        awaitPageStatus("created");
        assertThat(browser.find("order-total").getText()).isEqualTo("$44.48");
        browser.click("action-pay");
        WebElement pay = browser.find("action-dialog");
        assertThat(pay.findElement(testId("pay-amount")).getDomProperty("value"))
                .isEqualTo("44.48");
        pay.findElement(testId("dialog-submit")).click();
        awaitPageStatus("paid");
        browser.click("action-ship");
        browser.find("action-dialog").findElement(testId("dialog-submit")).click();
        awaitPageStatus("shipped");
        browser.until(d -> "3".equals(text("tt-version")));

        // Time travel: back to version 1 shows the order as created, with its original total.
        WebElement slider = browser.find("tt-slider");
        assertThat(slider.getDomProperty("max")).isEqualTo("3");
        slider.sendKeys(Keys.HOME);
        browser.until(d -> "1".equals(text("tt-version")));
        assertThat(browser.find("tt-status").getDomAttribute("data-status")).isEqualTo("created");
        assertThat(browser.find("tt-total").getText()).isEqualTo("$44.48");
        assertThat(browser.find("tt-past").isDisplayed()).isTrue();
        assertThat(changed("status")).isFalse();
        browser.dismissToasts();
        browser.screenshot("03-time-travel-version-1");

        // One step forward: paid, with the fields the payment changed highlighted.
        browser.find("tt-slider").sendKeys(Keys.ARROW_RIGHT);
        browser.until(d -> "2".equals(text("tt-version")));
        assertThat(browser.find("tt-status").getDomAttribute("data-status")).isEqualTo("paid");
        assertThat(changed("status")).isTrue();
        assertThat(changed("payment_id")).isTrue();
        assertThat(changed("total_amount")).isFalse();
        browser.screenshot("03-time-travel-version-2");

        // To the end: shipped, the current state.
        browser.find("tt-slider").sendKeys(Keys.END);
        browser.until(d -> "3".equals(text("tt-version")));
        assertThat(browser.find("tt-status").getDomAttribute("data-status")).isEqualTo("shipped");
        assertThat(browser.find("tt-now").isDisplayed()).isTrue();
        assertThat(changed("tracking_number")).isTrue();

        // The audit trail: three events, each with the acting user and a correlation id, as the store has them.
        List<WebElement> audit = browser.until(d -> {
            List<WebElement> rows = browser.findAll("audit-row");
            return rows.size() == 3 ? rows : null;
        });
        JsonNode history = server.get("/api/orders/" + id + "/history").get("events");
        List<String> correlations = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            WebElement r = audit.get(i);
            assertThat(r.findElement(testId("audit-type")).getText())
                    .isEqualTo(
                            List.of("OrderCreated", "OrderPaid", "OrderShipped").get(i));
            assertThat(r.findElement(testId("audit-version")).getText()).isEqualTo(String.valueOf(i + 1));
            assertThat(r.findElement(testId("audit-user")).getText()).isEqualTo("ui-clerk");
            String correlation = r.findElement(testId("audit-correlation")).getText();
            assertThat(correlation)
                    .isEqualTo(history.get(i).get("correlation_id").asText())
                    .isNotBlank();
            assertThat(r.findElement(testId("audit-position")).getText())
                    .isEqualTo(history.get(i).get("position").asText());
            correlations.add(correlation);
        }
        assertThat(correlations).doesNotHaveDuplicates();
        assertThat(browser.findAll("timeline-event")).hasSize(3);
        browser.screenshot("02-order-page");
    }

    @Test
    void apiErrorsAreShownToTheUser() {
        String id = server.createOrder("err-user-" + suffix(), "mug", 1, "12.50");
        open("/#/orders/" + id);
        awaitPageStatus("created");

        // Paying the wrong amount: 422 amount_mismatch, shown in the dialog, which stays open.
        browser.click("action-pay");
        WebElement pay = browser.find("action-dialog");
        type(pay.findElement(testId("pay-amount")), "10.00");
        pay.findElement(testId("dialog-submit")).click();
        WebElement error = browser.find("dialog-error");
        assertThat(error.getDomAttribute("data-error")).isEqualTo("amount_mismatch");
        assertThat(error.getText()).contains("422 amount_mismatch").contains("does not match");
        assertThat(pay.isDisplayed()).isTrue();
        browser.screenshot("06-error-amount-mismatch", false);
        pay.findElement(testId("dialog-cancel")).click();
        browser.until(d -> browser.findAll("action-dialog").isEmpty());
        assertThat(browser.find("order-status").getDomAttribute("data-status")).isEqualTo("created");

        // A new order without a customer: the server's 400 and its message, in the form.
        open("/");
        browser.find("new-order-button").click();
        WebElement form = browser.find("new-order-dialog");
        fillItem(form.findElements(testId("item-row")).get(0), "mug", "1", "12.50");
        form.findElement(testId("dialog-submit")).click();
        WebElement invalid = browser.find("dialog-error");
        assertThat(invalid.getDomAttribute("data-error")).isEqualTo("invalid_request");
        assertThat(invalid.getText()).contains("400").contains("user_id");

        // An unknown order: a clear "not found" page.
        open("/#/orders/ord_does-not-exist");
        assertThat(browser.find("order-missing").getText()).contains("Order not found");
        assertThat(browser.find("order-error").getDomAttribute("data-error")).isEqualTo("not_found");
    }

    @Test
    void liveFeed_appendsEventsWrittenThroughTheApiWhileOpen() {
        open("/#/events");
        awaitLive();
        String id = server.createOrder("feed-user-" + suffix(), "lamp", 1, "30.00");
        server.pay(id);

        List<WebElement> mine = browser.until(d -> {
            List<WebElement> items =
                    d.findElements(By.cssSelector("[data-testid='feed-item'][data-aggregate-id='" + id + "']"));
            return items.size() == 2 ? items : null;
        });
        // Newest first.
        assertThat(mine.get(0).getDomAttribute("data-event-type")).isEqualTo("OrderPaid");
        assertThat(mine.get(1).getDomAttribute("data-event-type")).isEqualTo("OrderCreated");
        assertThat(browser.find("live-feed")
                        .findElements(testId("feed-item"))
                        .getFirst()
                        .getDomAttribute("data-aggregate-id"))
                .isEqualTo(id);
        browser.screenshot("04-live-events");
    }

    @Test
    void orderList_updatesLiveAsEventsArrive() {
        String user = "live-user-" + suffix();
        open("/");
        awaitLive();
        type(browser.find("filter-user"), user);
        browser.find("filter-apply").click();
        browser.find("orders-empty");

        String id = server.createOrder(user, "chair", 2, "45.00");
        WebElement row = browser.until(
                d -> d.findElement(By.cssSelector("[data-testid='order-row'][data-order-id='" + id + "']")));
        assertThat(row.getDomAttribute("data-status")).isEqualTo("created");
        server.pay(id);
        browser.until(d -> "paid"
                .equals(d.findElement(By.cssSelector("[data-testid='order-row'][data-order-id='" + id + "']"))
                        .getDomAttribute("data-status")));
    }

    @Test
    void projectionsPanel_showsTheOrdersProjectionWithLagAndCharts() throws InterruptedException {
        open("/#/projections");
        // Writes in the background while the panel polls, so that the throughput chart has something to show.
        AtomicBoolean writing = new AtomicBoolean(true);
        Thread writer = Thread.ofVirtual().start(() -> {
            for (int i = 0; writing.get() && i < 2_000; i++) {
                server.createOrder("proj-user", "sku-" + i, 1, "1.00");
                LockSupport.parkNanos(10_000_000);
            }
        });
        WebElement card = browser.until(
                d -> d.findElement(By.cssSelector("[data-testid='projection-card'][data-name='orders']")));
        browser.until(d -> "running".equals(card.getDomAttribute("data-state")));
        assertThat(card.findElement(testId("projection-lag-events")).getText()).matches("\\d[\\d,]*\\s?events");
        assertThat(card.findElement(testId("projection-lag-ms")).getText()).matches("[\\d.]+ (ms|s|min)");
        assertThat(card.findElement(testId("projection-eps")).getText()).matches("[\\d,.]+\\s?/s");
        // The charts gain a point every second.
        try {
            browser.until(
                    d -> Integer.parseInt(card.findElement(testId("chart-lag")).getDomAttribute("data-points")) >= 4);
        } finally {
            writing.set(false);
            writer.join();
        }
        assertThat(card.findElement(testId("chart-throughput")).findElements(By.tagName("path")))
                .hasSize(2);
        assertThat(browser.find("head-position").getText()).matches("\\d+");
        // The storage card: events and bytes by part and tier from GET /api/storage (the file engine has tiers).
        WebElement storage = browser.until(d -> d.findElement(testId("storage-card")));
        browser.until(
                d -> storage.findElement(testId("storage-events")).getText().matches("\\d[\\d,]*"));
        assertThat(storage.findElement(testId("storage-bytes")).getText()).matches("[\\d,.]+ (B|KiB|MiB|GiB)");
        assertThat(storage.findElement(testId("storage-parts")).getText())
                .contains("log")
                .contains("snapshots");
        assertThat(storage.findElement(testId("storage-last-archive")).getText())
                .contains("archive");
        browser.screenshot("05-projections");
    }

    @Test
    void filters_andKeysetLoadMore() {
        String user = "pager-" + suffix();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            ids.add(server.createOrder(user, "item-" + i, 1, (i + 1) + ".00"));
        }
        for (int i = 0; i < 3; i++) {
            server.pay(ids.get(i));
        }
        server.createOrder("someone-else-" + suffix(), "item", 1, "1.00");
        awaitReadModel();

        open("/");
        type(browser.find("filter-user"), user);
        browser.find("filter-apply").click();
        browser.until(d -> rowsShown().size() == 25);
        assertThat(rowsShown())
                .allSatisfy(r -> assertThat(r.findElement(testId("order-user")).getText())
                        .isEqualTo(user));
        // Newest first.
        assertThat(rowsShown().getFirst().getDomAttribute("data-order-id")).isEqualTo(ids.getLast());
        browser.find("load-more").click();
        browser.until(d -> rowsShown().size() == 30);
        assertThat(browser.find("load-more").isDisplayed()).isFalse();
        assertThat(rowsShown().getLast().getDomAttribute("data-order-id")).isEqualTo(ids.getFirst());

        new Select(browser.find("filter-status")).selectByValue("paid");
        browser.until(d -> rowsShown().size() == 3);
        assertThat(rowsShown())
                .allSatisfy(r -> assertThat(r.getDomAttribute("data-status")).isEqualTo("paid"));

        // A date range that ends yesterday holds none of them; one from today holds them all again.
        new Select(browser.find("filter-status")).selectByValue("");
        setDate("filter-to", -1);
        browser.find("filter-apply").click();
        browser.find("orders-empty");
        setDate("filter-to", 0);
        setDate("filter-from", 0);
        browser.find("filter-apply").click();
        browser.until(d -> rowsShown().size() == 25);

        browser.find("filter-reset").click();
        browser.until(d -> browser.find("filter-user").getDomProperty("value").isEmpty());
    }

    // ---------- helpers ----------

    private void open(String path) {
        browser.open("about:blank"); // a fresh page load each time, not a same-document hash change
        browser.open(server.url(path));
    }

    private void awaitLive() {
        browser.until(d -> "live".equals(d.findElement(testId("live-status")).getDomAttribute("data-state")));
    }

    private void awaitPageStatus(String status) {
        browser.until(d -> status.equals(d.findElement(testId("order-status")).getDomAttribute("data-status")));
    }

    private void awaitReadModel() {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            JsonNode p = server.get("/api/projections").get("projections").get(0);
            if (p.get("lag_events").asLong() == 0) {
                return;
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("the orders read model did not catch up");
    }

    private String text(String testId) {
        return browser.driver.findElement(testId(testId)).getText();
    }

    private boolean changed(String field) {
        return "true".equals(browser.find("tt-field-" + field).getDomAttribute("data-changed"));
    }

    private WebElement rowOfUser(String user) {
        for (WebElement r : browser.findAll("order-row")) {
            if (r.findElement(testId("order-user")).getText().equals(user)) {
                return r;
            }
        }
        return null;
    }

    private List<WebElement> rowsShown() {
        return browser.findAll("order-row");
    }

    private void setDate(String testId, int daysFromToday) {
        browser.js(
                "const d = new Date(); d.setDate(d.getDate() + arguments[1]);"
                        + "arguments[0].value = d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-'"
                        + " + String(d.getDate()).padStart(2, '0');",
                browser.find(testId),
                daysFromToday);
    }

    private static void fillItem(WebElement row, String sku, String quantity, String price) {
        type(row.findElement(testId("item-sku")), sku);
        type(row.findElement(testId("item-qty")), quantity);
        type(row.findElement(testId("item-price")), price);
    }

    private static void type(WebElement input, String text) {
        input.clear();
        input.sendKeys(text);
    }

    private static String suffix() {
        return UUID.randomUUID().toString().substring(0, 8);
    }
}
