package dev.hindsight.uitests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.auth.FileTokenStore;
import dev.hindsight.core.auth.Role;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.Alert;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.support.ui.ExpectedConditions;

/** With authentication on, the console asks for a token on the first 401, keeps it for the tab and goes live. */
class AuthUiIT {
    @Test
    void firstUnauthorizedAnswer_promptsForAToken_keptInSessionStorage_liveFeedConnects(@TempDir Path dir) {
        FileTokenStore tokens = new FileTokenStore(dir);
        String token = tokens.create("console", Role.reader, null).secret();
        try (Browser browser = Browser.start();
                UiServer server = new UiServer(dir, tokens)) {
            browser.open(server.url("/#/events"));
            Alert prompt = browser.until(ExpectedConditions.alertIsPresent());
            assertThat(prompt.getText()).contains("API token");
            prompt.sendKeys(token);
            prompt.accept();

            browser.until(d -> "live"
                    .equals(d.findElement(By.cssSelector("[data-testid='live-status']"))
                            .getDomAttribute("data-state")));
            Object kept = ((JavascriptExecutor) browser.driver)
                    .executeScript("return sessionStorage.getItem('hindsight.token')");
            assertThat(kept).isEqualTo(token);
            browser.screenshot("auth-live-after-token");
        }
    }
}
