package dev.hindsight.spring;

import dev.hindsight.core.EventStore;
import dev.hindsight.projection.ProjectionEngine;
import dev.hindsight.projection.ProjectionStatus;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Micrometer metrics (when Micrometer is present) and a health indicator (when Spring Boot's health module is): per
 * projection its lag in events and milliseconds; health {@code DOWN} when the store cannot answer or a projection has
 * failed, with the store's head and each projection's state as details.
 */
@AutoConfiguration(after = HindsightAutoConfiguration.class)
public class HindsightObservabilityConfiguration {

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterBinder.class)
    static class Metrics {
        @Bean
        @ConditionalOnMissingBean(name = "hindsightMetrics")
        MeterBinder hindsightMetrics(ProjectionEngine projections) {
            return registry -> bind(registry, projections);
        }

        private static void bind(MeterRegistry registry, ProjectionEngine projections) {
            for (ProjectionStatus s : projections.status()) {
                String name = s.name();
                Gauge.builder(
                                "hindsight.projection.lag.events",
                                projections,
                                e -> e.status(name).lagEvents())
                        .tag("projection", name)
                        .description("events between the projection's position and the store's head")
                        .register(registry);
                Gauge.builder(
                                "hindsight.projection.lag.millis",
                                projections,
                                e -> e.status(name).lagMillis())
                        .tag("projection", name)
                        .description("age of the oldest event the projection has not processed")
                        .register(registry);
            }
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    static class HealthCheck {
        @Bean
        @ConditionalOnMissingBean(name = "hindsightHealthIndicator")
        HealthIndicator hindsightHealthIndicator(EventStore store, ProjectionEngine projections) {
            return () -> health(store, projections);
        }
    }

    static Health health(EventStore store, ProjectionEngine projections) {
        Health.Builder b;
        try {
            b = Health.up().withDetail("head", store.head().toString());
        } catch (RuntimeException e) {
            return Health.down(e).build();
        }
        List<ProjectionStatus> statuses = projections.status();
        for (ProjectionStatus s : statuses) {
            b.withDetail("projection." + s.name(), s.state());
            if ("failed".equals(s.state())) {
                b.down().withDetail("projection." + s.name() + ".error", String.valueOf(s.lastError()));
            }
        }
        return b.build();
    }
}
