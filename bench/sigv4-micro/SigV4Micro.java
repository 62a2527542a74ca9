package dev.hindsight.archive;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.time.Clock;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;

/**
 * CPU and allocation per SigV4 signing of a ranged GET: {@link SignedRangedGet#sign} ("hand", its hand-written SigV4
 * with the signing key derived once a day) against the SDK's {@link AwsV4HttpSigner} called as the SDK's S3 client
 * calls it ("sdk": what session 21 (h64) tried in its place), either in one JVM, alternating rounds after a warm-up
 * round ({@code warm ROUNDS N}), or the first COUNT signings in a fresh JVM ({@code cold hand|sdk [COUNT]}), after
 * logging started and an {@link S3ObjectStore} was opened (so the SDK client's own classes are loaded, as in a server).
 * Thread CPU time and allocated bytes of the signing thread. Run with logging at INFO (the SDK signer logs the canonical
 * request at DEBUG). See bench/sigv4-micro.sh.
 */
public final class SigV4Micro {
    private static final String PATH = "/b/p/segments/00000000000000000000.zlog";
    private static final AwsV4HttpSigner SIGNER = AwsV4HttpSigner.create();

    public static void main(String[] args) throws Exception {
        var cred = StaticCredentialsProvider.create(
                AwsBasicCredentials.create("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"));
        var tmx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        URI endpoint = URI.create("http://127.0.0.1:9000");
        if (args[0].equals("cold")) {
            org.slf4j.LoggerFactory.getLogger(SigV4Micro.class).info("cold {}", args[1]);
            S3ObjectStore.open("b", "", endpoint, false).close();
            int count = args.length > 2 ? Integer.parseInt(args[2]) : 1;
            long c0 = tmx.getCurrentThreadCpuTime();
            long a0 = tmx.getThreadAllocatedBytes(tid);
            long w0 = System.nanoTime();
            var hand = new SignedRangedGet(endpoint, "b", "us-east-1", cred, Clock.systemUTC());
            String auth = "";
            for (int i = 0; i < count; i++) {
                auth = args[1].equals("hand")
                        ? hand(hand, range(i))
                        : sdk(cred, Clock.systemUTC(), range(i))
                                .firstMatchingHeader("Authorization")
                                .orElseThrow();
            }
            System.out.printf(
                    "cold %s first %d signing(s): cpu %.2f ms, wall %.2f ms, alloc %d KB (%d)%n",
                    args[1],
                    count,
                    (tmx.getCurrentThreadCpuTime() - c0) / 1e6,
                    (System.nanoTime() - w0) / 1e6,
                    (tmx.getThreadAllocatedBytes(tid) - a0) / 1024,
                    auth.length());
            return;
        }
        int rounds = Integer.parseInt(args[1]);
        int n = Integer.parseInt(args[2]);
        Clock clock = Clock.systemUTC();
        var hand = new SignedRangedGet(endpoint, "b", "us-east-1", cred, clock);
        long sink = 0;
        for (int round = 0; round <= rounds; round++) { // round 0: warm-up, not printed
            for (String side : new String[] {"hand", "sdk"}) {
                long c0 = tmx.getCurrentThreadCpuTime();
                long a0 = tmx.getThreadAllocatedBytes(tid);
                for (int i = 0; i < n; i++) {
                    sink += side.equals("hand")
                            ? hand(hand, range(i)).length()
                            : sdk(cred, clock, range(i)).headers().size();
                }
                long cpu = tmx.getCurrentThreadCpuTime() - c0;
                long alloc = tmx.getThreadAllocatedBytes(tid) - a0;
                if (round > 0) {
                    System.out.printf(
                            "round %d %-4s: %.2f us cpu/signing, %d bytes allocated/signing (n=%d)%n",
                            round, side, cpu / 1e3 / n, alloc / n, n);
                }
            }
        }
        System.out.println("sink " + sink);
    }

    private static String range(int i) {
        return "bytes=" + (i * 4096L) + "-" + (i * 4096L + 4095);
    }

    private static String hand(SignedRangedGet get, String range) throws Exception {
        String[][] h = get.sign(PATH, range);
        return h[h.length - 1][1];
    }

    /** The SDK's signer as session 21 (h64) tried it in SignedRangedGet.sign. */
    private static SdkHttpRequest sdk(AwsCredentialsProvider credentials, Clock clock, String range) {
        SdkHttpRequest request = SdkHttpRequest.builder()
                .method(SdkHttpMethod.GET)
                .protocol("http")
                .host("127.0.0.1")
                .port(9000)
                .encodedPath(PATH)
                .putHeader("Range", range)
                .putHeader("x-amz-content-sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
                .build();
        return SIGNER.sign(r -> r.identity(credentials.resolveCredentials())
                        .request(request)
                        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
                        .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                        .putProperty(AwsV4HttpSigner.DOUBLE_URL_ENCODE, false)
                        .putProperty(AwsV4HttpSigner.NORMALIZE_PATH, false)
                        .putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, true)
                        .putProperty(HttpSigner.SIGNING_CLOCK, clock))
                .request();
    }
}
