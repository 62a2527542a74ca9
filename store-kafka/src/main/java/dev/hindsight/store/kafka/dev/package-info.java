/**
 * A local KRaft Kafka cluster started in-process from the {@code kafka_2.13} artifacts, for {@code hindsight kafka-dev}
 * and for tests ({@link dev.hindsight.store.kafka.dev.KafkaDevCluster}). The broker artifacts are an optional
 * dependency of this module: a user of the engine alone does not get them.
 */
@NullMarked
package dev.hindsight.store.kafka.dev;

import org.jspecify.annotations.NullMarked;
