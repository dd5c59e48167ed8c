package dev.flinkguardian.testjob;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * Counts records per key in a keyed {@link ValueState} and makes the counters observable from outside.
 *
 * <p>Each subtask {@code i} keeps {@code OUT/state-i.json} up to date (atomic replace, at most every 100 ms):
 * <pre>{"jobId":..., "jobName":..., "subtask":i, "attempt":a, "restoredCheckpointId":N|null,
 *  "restoredCounts":{"k0":c,...}, "counts":{"k0":c,...}, "records":r, "updatedAt":epochMillis}</pre>
 * {@code restoredCounts} holds, per key, the value found in state when the key is first seen after this attempt
 * started: after a restore from checkpoint N it equals {@code counts} in {@code OUT/snapshots/chk-N-i.json},
 * written by every subtask when it takes checkpoint N. That is how a test proves the state continued from that
 * checkpoint, not from zero and not from an older one.
 *
 * <p>Failure switch ({@code --fail-marker FILE}), read by every subtask on each record: content {@code once} - the
 * file is deleted and the record throws; {@code always} - every record throws; a number {@code n} - the number is
 * decremented (the file deleted at 0) and the record throws; an unknown content fails once, loudly, so {@code n = restart attempts + 1} makes the job
 * end FAILED under a fixed-delay restart strategy and run cleanly when it is submitted again.
 */
public final class CountingFunction extends KeyedProcessFunction<String, Long, Long> implements CheckpointedFunction {

    private static final long serialVersionUID = 1L;
    private static final long WRITE_INTERVAL_MS = 100;
    private static final int SNAPSHOTS_KEPT = 30;

    private final String outDir;
    private final String failMarker;

    private transient ValueState<Long> count;
    private transient Map<String, Long> counts;
    private transient Map<String, Long> restoredCounts;
    private transient Long restoredCheckpointId;
    private transient long records;
    private transient long lastWrite;
    private transient int subtask;
    private transient int attempt;
    private transient String jobId;
    private transient String jobName;

    public CountingFunction(String outDir, String failMarker) {
        this.outDir = outDir;
        this.failMarker = failMarker;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) {
        OptionalLong restored = context.getRestoredCheckpointId();
        restoredCheckpointId = restored.isPresent() ? restored.getAsLong() : null;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.LONG));
        counts = new TreeMap<>();
        restoredCounts = new TreeMap<>();
        subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        attempt = getRuntimeContext().getTaskInfo().getAttemptNumber();
        jobId = getRuntimeContext().getJobInfo().getJobId().toString();
        jobName = getRuntimeContext().getJobInfo().getJobName();
        Files.createDirectories(Paths.get(outDir, "snapshots"));
        write();
    }

    @Override
    public void processElement(Long value, Context ctx, Collector<Long> out) throws Exception {
        if (!failMarker.isEmpty()) {
            checkFailureSwitch();
        }
        String key = ctx.getCurrentKey();
        Long current = count.value();
        long before = current == null ? 0L : current;
        restoredCounts.putIfAbsent(key, before);
        long next = before + 1;
        count.update(next);
        counts.put(key, next);
        records++;
        long now = System.currentTimeMillis();
        if (now - lastWrite >= WRITE_INTERVAL_MS) {
            write();
        }
        out.collect(next);
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        long id = context.getCheckpointId();
        Path dir = Paths.get(outDir, "snapshots");
        atomicWrite(dir.resolve("chk-" + id + "-" + subtask + ".json"),
                "{\"checkpointId\":" + id + ",\"subtask\":" + subtask + ",\"jobId\":\"" + jobId
                        + "\",\"counts\":" + json(counts) + "}\n");
        Files.deleteIfExists(dir.resolve("chk-" + (id - SNAPSHOTS_KEPT) + "-" + subtask + ".json"));
        write();
    }

    @Override
    public void close() throws Exception {
        if (counts != null) {
            write();
        }
        super.close();
    }

    private void checkFailureSwitch() throws IOException {
        Path marker = Paths.get(failMarker);
        String mode;
        try {
            mode = Files.readString(marker, StandardCharsets.UTF_8).trim();
        } catch (NoSuchFileException e) {
            return;
        }
        if (mode.equals("always")) {
            throw new IllegalStateException("failure switch " + marker + ": always");
        }
        // Consuming modes: the subtask that renames the marker away owns this failure, so parallel subtasks
        // never count one switch twice.
        Path claimed = marker.resolveSibling(marker.getFileName() + ".claimed-" + subtask);
        try {
            Files.move(marker, claimed, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            return;
        }
        mode = Files.readString(claimed, StandardCharsets.UTF_8).trim();
        Files.deleteIfExists(claimed);
        if (mode.equals("once")) {
            throw new IllegalStateException("failure switch " + marker + ": once");
        }
        int remaining;
        try {
            remaining = Integer.parseInt(mode);
        } catch (NumberFormatException e) {
            throw new IllegalStateException("failure switch " + marker + ": unknown mode '" + mode + "'");
        }
        if (remaining <= 0) {
            return;
        }
        if (remaining > 1) {
            atomicWrite(marker, (remaining - 1) + "\n");
        }
        throw new IllegalStateException("failure switch " + marker + ": " + remaining + " left");
    }

    private void write() throws IOException {
        lastWrite = System.currentTimeMillis();
        String body = "{\"jobId\":\"" + jobId + "\",\"jobName\":" + quote(jobName) + ",\"subtask\":" + subtask
                + ",\"attempt\":" + attempt + ",\"restoredCheckpointId\":" + restoredCheckpointId
                + ",\"restoredCounts\":" + json(restoredCounts) + ",\"counts\":" + json(counts)
                + ",\"records\":" + records + ",\"updatedAt\":" + lastWrite + "}\n";
        atomicWrite(Paths.get(outDir, "state-" + subtask + ".json"), body);
    }

    private static void atomicWrite(Path target, String body) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
        Files.writeString(tmp, body, StandardCharsets.UTF_8);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String json(Map<String, Long> map) {
        StringBuilder sb = new StringBuilder("{");
        for (Map.Entry<String, Long> e : map.entrySet()) {
            if (sb.length() > 1) {
                sb.append(',');
            }
            sb.append(quote(e.getKey())).append(':').append(e.getValue());
        }
        return sb.append('}').toString();
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
