package dev.hindsight.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code --publish kafka://HOST:PORT[,…]/TOPIC}: accepted forms and clear errors for the others. */
class RelayTargetTest {
    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "kafka://127.0.0.1:9092/orders|127.0.0.1:9092|orders",
                "kafka://a:1,b.example:9093/order-events.v1|a:1,b.example:9093|order-events.v1",
                "kafka://[::1]:9092/t_1|[::1]:9092|t_1"
            })
    void parse_validUrl_givesServersAndTopic(String url, String servers, String topic) {
        RelayTarget t = RelayTarget.parse(url);

        assertThat(t.kind()).isEqualTo(RelayTarget.Kind.KAFKA);
        assertThat(t.servers()).isEqualTo(servers);
        assertThat(t.destination()).isEqualTo(topic);
        assertThat(t.checkpointName()).isEqualTo("kafka-relay:" + topic);
        assertThat(t).hasToString(url);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "rabbitmq://127.0.0.1:5672/order-events|RABBITMQ|127.0.0.1|5672|order-events",
                "rabbitmq://[::1]:5673/orders.v1:all|RABBITMQ|::1|5673|orders.v1:all",
                "rabbitmq-stream://127.0.0.1:5552/order-events|RABBITMQ_STREAM|127.0.0.1|5552|order-events",
                "rabbitmq-stream://[::1]:5553/orders.v1:all|RABBITMQ_STREAM|::1|5553|orders.v1:all"
            })
    void parse_rabbitMqUrl_givesProtocolHostPortAndStream(
            String url, RelayTarget.Kind kind, String host, int port, String stream) {
        RelayTarget t = RelayTarget.parse(url);

        assertThat(t.kind()).isEqualTo(kind);
        assertThat(t.host()).isEqualTo(host);
        assertThat(t.port()).isEqualTo(port);
        assertThat(t.destination()).isEqualTo(stream);
        assertThat(t.checkpointName()).isEqualTo("rabbitmq-relay:" + stream);
        assertThat(t).hasToString(url);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "http://127.0.0.1:9092/orders|must start with kafka://, rabbitmq-stream:// or rabbitmq://",
                "rabbitmq-stream://127.0.0.1:5552|the stream is missing",
                "rabbitmq-stream://127.0.0.1:5552/amq.orders|is not a RabbitMQ stream name",
                "rabbitmq-stream://a:5552,b:5552/orders|names one HOST:PORT",
                "rabbitmq://127.0.0.1:5672|the stream is missing",
                "rabbitmq://127.0.0.1:5672/amq.orders|is not a RabbitMQ stream name",
                "rabbitmq://127.0.0.1:5672/a b|is not a RabbitMQ stream name",
                "rabbitmq://a:5672,b:5672/orders|names one HOST:PORT",
                "rabbitmq://127.0.0.1/orders|is not HOST:PORT",
                "kafka://127.0.0.1:9092|the topic is missing",
                "kafka://127.0.0.1:9092/|is not a Kafka topic name",
                "kafka://127.0.0.1:9092/a b|is not a Kafka topic name",
                "kafka:///orders|HOST:PORT is missing",
                "kafka://127.0.0.1/orders|is not HOST:PORT",
                "kafka://127.0.0.1:0/orders|is not a port",
                "kafka://127.0.0.1:http/orders|is not a port",
                "kafka://127.0.0.1:9092,/orders|is not HOST:PORT",
                "kafka://bad_host!:9092/orders|is not a host name"
            })
    void parse_badUrl_namesTheProblem(String url, String problem) {
        assertThatThrownBy(() -> RelayTarget.parse(url))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bad --publish URL")
                .hasMessageContaining(problem)
                .hasMessageContaining("expected kafka://HOST:PORT/TOPIC");
    }
}
