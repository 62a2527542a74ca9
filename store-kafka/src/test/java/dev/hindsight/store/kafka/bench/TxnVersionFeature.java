package dev.hindsight.store.kafka.bench;

import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.FeatureUpdate;
import org.apache.kafka.clients.admin.FinalizedVersionRange;
import org.apache.kafka.clients.admin.UpdateFeaturesOptions;

/**
 * The cluster's {@code transaction.version} feature (KIP-890: version 2 drops the AddPartitionsToTxn round trip and
 * bumps the producer epoch on every commit): reads it and, if {@code -Dbench.transactionVersion=N} is set, changes it
 * first (before any producer connects: a producer learns the version from its brokers). Stateless.
 */
final class TxnVersionFeature {
    private static final String FEATURE = "transaction.version";

    private TxnVersionFeature() {}

    /** Applies {@code bench.transactionVersion} if set; returns the finalized level(s) before and after. */
    static String apply(Map<String, Object> clientConfig) throws Exception {
        try (Admin admin = Admin.create(clientConfig)) {
            String before = finalized(admin);
            Integer wanted = Integer.getInteger("bench.transactionVersion");
            if (wanted == null) {
                return before;
            }
            short level = wanted.shortValue();
            FinalizedVersionRange current = admin.describeFeatures()
                    .featureMetadata()
                    .get()
                    .finalizedFeatures()
                    .get(FEATURE);
            FeatureUpdate.UpgradeType type = current != null && current.maxVersionLevel() > level
                    ? FeatureUpdate.UpgradeType.SAFE_DOWNGRADE
                    : FeatureUpdate.UpgradeType.UPGRADE;
            admin.updateFeatures(Map.of(FEATURE, new FeatureUpdate(level, type)), new UpdateFeaturesOptions())
                    .all()
                    .get();
            for (int i = 0; i < 50 && !finalized(admin).equals(Integer.toString(level)); i++) {
                Thread.sleep(100);
            }
            return before + " -> " + finalized(admin) + " (set by bench.transactionVersion)";
        }
    }

    private static String finalized(Admin admin) throws Exception {
        FinalizedVersionRange r = admin.describeFeatures()
                .featureMetadata()
                .get()
                .finalizedFeatures()
                .get(FEATURE);
        return r == null ? "absent (0)" : Integer.toString(r.maxVersionLevel());
    }
}
