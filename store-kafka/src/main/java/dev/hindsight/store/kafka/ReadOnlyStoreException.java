package dev.hindsight.store.kafka;

import dev.hindsight.core.InvalidRequestException;

/**
 * An append reached a Kafka store opened with {@link KafkaEventLog#openReader}: the process only consumes the log (a
 * {@code serve} role without {@code api}) and owns no partition. Nothing was written; append through a process that
 * runs the {@code api} role.
 */
public class ReadOnlyStoreException extends InvalidRequestException {
    public ReadOnlyStoreException(String topic) {
        super("this process opened topic '" + topic + "' read-only (it runs a role without api and owns no"
                + " partition): append through a process that runs the api role");
    }
}
