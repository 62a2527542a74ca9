package dev.hindsight.orders.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.orders.OrdersServer;
import dev.hindsight.orders.OrdersServer.Response;
import dev.hindsight.testkit.clock.SteppingClock;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Projection administration over HTTP: status, zero-downtime rebuild, verify. */
class ProjectionsApiTest {
    @TempDir
    Path dir;

    private OrdersServer t;

    @BeforeEach
    void start() {
        t = new OrdersServer(dir, new SteppingClock(1000));
    }

    @AfterEach
    void stop() {
        t.close();
    }

    private void createOrders(int n) {
        for (int i = 0; i < n; i++) {
            Response r = t.post(
                    "/api/orders",
                    "{\"user_id\":\"u" + (i % 5) + "\",\"currency\":\"USD\",\"items\":"
                            + "[{\"sku\":\"book\",\"quantity\":1,\"unit_price\":10.00}]}");
            assertThat(r.status()).as(r.body()).isEqualTo(201);
        }
    }

    @Test
    void status_ofOneProjection_andUnknownIs404() {
        createOrders(3);
        Response r = t.get("/api/projections/orders");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("projections").get(0).get("name").asText()).isEqualTo("orders");
        assertThat(r.json().get("projections").get(0).get("mode").asText()).isEqualTo("async");
        Response missing = t.get("/api/projections/nope");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.json().get("error").asText()).isEqualTo("not_found");
        assertThat(t.post("/api/projections/nope/rebuild", "").status()).isEqualTo(404);
    }

    @Test
    void rebuild_switchesToANewGenerationWhileQueriesKeepWorking_thenVerifyIsClean() throws Exception {
        createOrders(40);
        Response started = t.post("/api/projections/orders/rebuild", "");
        assertThat(started.status()).as(started.body()).isEqualTo(202);
        long deadline = System.nanoTime() + 20_000_000_000L;
        JsonNode st;
        do {
            assertThat(t.get("/api/orders?user_id=u1&limit=100")
                            .json()
                            .get("orders")
                            .size())
                    .isEqualTo(8);
            st = t.get("/api/projections/orders").json().get("projections").get(0);
            Thread.sleep(20);
        } while ((st.get("generation").asLong() < 2 || !st.get("state").asText().equals("running"))
                && System.nanoTime() < deadline);
        assertThat(st.get("generation").asLong()).isEqualTo(2);
        createOrders(2);
        Response verify = t.post("/api/projections/orders/verify", "");
        assertThat(verify.status()).as(verify.body()).isEqualTo(200);
        assertThat(verify.json().get("ok").asBoolean()).as(verify.body()).isTrue();
    }
}
