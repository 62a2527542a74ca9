package dev.hindsight.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hindsight kafka-dev} as a real child process: it prints the bootstrap address, clients can create topics and
 * produce, SIGTERM stops it, and starting it again on the same data directory keeps the topic and its records; a start
 * with another {@code --brokers} on that data directory is refused.
 */
class KafkaDevIT {
    @TempDir
    Path dir;

    private Process child;

    @AfterEach
    void kill() throws InterruptedException {
        if (child != null && child.isAlive()) {
            child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    private String startKafkaDev(String... extra) throws Exception {
        List<String> cmd = RoleProcess.javaCommand(
                "kafka-dev", "--port", "0", "--data-dir", dir.resolve("kafka").toString());
        cmd.addAll(List.of(extra));
        child = new ProcessBuilder(cmd)
                .redirectError(dir.resolve("kafka-dev.err").toFile())
                .start();
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        String bootstrap = out.readLine();
        assertThat(bootstrap).as(() -> stderr()).isNotNull().matches("127\\.0\\.0\\.1:\\d+(,127\\.0\\.0\\.1:\\d+)*");
        return bootstrap;
    }

    private String stderr() {
        try {
            return Files.readString(dir.resolve("kafka-dev.err"));
        } catch (Exception e) {
            return "(no stderr: " + e + ")";
        }
    }

    private void stopKafkaDev() throws InterruptedException {
        child.destroy(); // SIGTERM: the shutdown hook stops the brokers
        assertThat(child.waitFor(120, TimeUnit.SECONDS))
                .as("kafka-dev stops on SIGTERM")
                .isTrue();
    }

    @Test
    void kafkaDev_printsBootstrap_servesClients_keepsTopicsAcrossRestart_andRefusesAnotherSize() throws Exception {
        String bootstrap = startKafkaDev();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
                KafkaProducer<String, String> producer = new KafkaProducer<>(
                        Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all"),
                        new StringSerializer(),
                        new StringSerializer())) {
            admin.createTopics(List.of(new NewTopic("greetings", 1, (short) 1)))
                    .all()
                    .get(30, TimeUnit.SECONDS);
            producer.send(new ProducerRecord<>("greetings", "k", "hello")).get(30, TimeUnit.SECONDS);
        }
        stopKafkaDev();

        String again = startKafkaDev();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, again))) {
            Set<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            assertThat(topics).contains("greetings");
        }
        assertThat(readAll(again, "greetings")).containsExactly("hello");
        stopKafkaDev();

        // the stopped 1-broker cluster's data directory, reused: a start with another size is refused
        CliRun r = CliRun.of(
                "kafka-dev",
                "--brokers",
                "3",
                "--port",
                "0",
                "--data-dir",
                dir.resolve("kafka").toString());

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("holds a 1-broker cluster");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void kafkaDevNode_outOfRangeOrWithoutAFixedPort_isRefusedBeforeAnythingStarts() {
        CliRun outOfRange =
                CliRun.of("kafka-dev", "--brokers", "3", "--node", "3", "--port", "9092", "--data-dir", dir.toString());
        assertThat(outOfRange.exitCode()).isEqualTo(2);
        assertThat(outOfRange.err()).contains("--node must be between 0 and 2, not 3");

        CliRun freePorts =
                CliRun.of("kafka-dev", "--brokers", "3", "--node", "0", "--port", "0", "--data-dir", dir.toString());
        assertThat(freePorts.exitCode()).isEqualTo(2);
        assertThat(freePorts.err()).contains("--node needs a fixed --port");
        assertThat(dir.resolve(dev.hindsight.store.kafka.dev.KafkaDevCluster.STATE_FILE))
                .doesNotExist();
    }

    private static List<String> readAll(String bootstrap, String topic) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(
                Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new StringDeserializer(),
                new StringDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            List<String> values = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (values.isEmpty() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    values.add(r.value());
                }
            }
            return values;
        }
    }
}
