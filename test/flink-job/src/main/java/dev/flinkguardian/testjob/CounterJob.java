package dev.flinkguardian.testjob;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

import java.util.HashMap;
import java.util.Map;

/**
 * A stateful streaming job for the end-to-end tests: a rate-limited sequence, keyed by {@code n % keys}, counted
 * per key in keyed state. {@link CountingFunction} makes the state visible from outside (files under {@code --out})
 * and carries the failure switch ({@code --fail-marker}).
 *
 * <p>Arguments: {@code --name NAME} (job name), {@code --out DIR} (required), {@code --fail-marker FILE},
 * {@code --keys N} (default 4), {@code --rate N} records per second over all source subtasks (default 20),
 * {@code --checkpoint-interval MS} (default 1000).
 *
 * <p>Only APIs present in both Flink 1.20 and 2.x are used (no SourceFunction, no RestartStrategies, no
 * ParameterTool, which moved between the two lines).
 */
public final class CounterJob {

    private CounterJob() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> params = parse(args);
        String name = params.getOrDefault("name", "flink-guardian-test-job");
        String out = params.get("out");
        if (out == null || out.isEmpty()) {
            throw new IllegalArgumentException("--out DIR is required");
        }
        String failMarker = params.getOrDefault("fail-marker", "");
        int keys = Integer.parseInt(params.getOrDefault("keys", "4"));
        double rate = Double.parseDouble(params.getOrDefault("rate", "20"));
        long checkpointInterval = Long.parseLong(params.getOrDefault("checkpoint-interval", "1000"));

        // String keys through Configuration.fromMap work the same in 1.20 and 2.x; the cluster config sets the same
        // retention, this makes the job safe on a cluster configured less carefully.
        Map<String, String> conf = new HashMap<>();
        conf.put("execution.checkpointing.interval", checkpointInterval + " ms");
        conf.put("execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.configure(Configuration.fromMap(conf));

        DataGeneratorSource<Long> source =
                new DataGeneratorSource<>(index -> index, Long.MAX_VALUE, RateLimiterStrategy.perSecond(rate), Types.LONG);

        final int keyCount = keys;
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "sequence")
                .uid("sequence")
                .keyBy(n -> "k" + (n % keyCount), Types.STRING)
                .process(new CountingFunction(out, failMarker))
                .uid("counter")
                .name("counter")
                .sinkTo(new DiscardingSink<>())
                .uid("discard")
                .name("discard");

        env.execute(name);
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> params = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument: " + arg);
            }
            String key = arg.substring(2);
            int eq = key.indexOf('=');
            if (eq >= 0) {
                params.put(key.substring(0, eq), key.substring(eq + 1));
            } else if (i + 1 < args.length) {
                params.put(key, args[++i]);
            } else {
                throw new IllegalArgumentException("missing value for " + arg);
            }
        }
        return params;
    }
}
