/**
 * Spring Boot auto-configuration for Hindsight. API: {@link dev.hindsight.spring.HindsightProperties} (the
 * {@code hindsight.*} properties), {@link dev.hindsight.spring.AggregateDefinition} (declare one as a bean per aggregate
 * type) and {@link dev.hindsight.spring.AggregateRepositories} (inject it to handle commands). Every bean the
 * auto-configuration makes backs off when the application defines its own.
 */
@NullMarked
package dev.hindsight.spring;

import org.jspecify.annotations.NullMarked;
