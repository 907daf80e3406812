package io.github.pager.bench;

import io.github.pager.kv.KvReadTransaction;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.lmdbjava.Txn;

/**
 * What a durable single put costs beside reader threads, counted rather than timed: the workload
 * of {@link KvBenchmark}'s {@code kvMix} and {@code lmdbMix} (reader threads each doing a get in a
 * read transaction of its own, one thread doing durable single puts of existing keys, on a store
 * filled as the benchmark fills it), with, per put, the writer's wall and CPU time, its voluntary
 * and involuntary context switches, the process's voluntary switches and page faults; and the
 * readers' gets per second. A put that waits for anything (a sync, a lock, the CPU) shows as a
 * switch; where the time goes between them, attach {@code perf} to the process.
 *
 * <p>Run with {@code java --add-opens=java.base/java.nio=ALL-UNNAMED
 * --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --enable-native-access=ALL-UNNAMED -cp
 * benchmarks.jar io.github.pager.bench.KvMixCounts kv|lmdb [PUTS [REPORT_EVERY [KEYS
 * [READERS]]]]} (default 3,000 puts, a line every 500, 1,000,000 keys, 4 readers). The first line
 * includes the warm-up.
 */
public final class KvMixCounts {
  private KvMixCounts() {}

  /**
   * Fills a store, starts the readers, and makes the puts, printing a line of counts every {@code
   * REPORT_EVERY} puts.
   *
   * @param args {@code kv} or {@code lmdb}, then optionally the put count, the report interval,
   *     the keys to fill and the reader threads
   * @throws Exception when the fill or a put fails
   */
  public static void main(String[] args) throws Exception {
    String engine = args.length > 0 ? args[0] : "kv";
    int puts = args.length > 1 ? Integer.parseInt(args[1]) : 3000;
    int every = args.length > 2 ? Integer.parseInt(args[2]) : 500;
    int keys = args.length > 3 ? Integer.parseInt(args[3]) : 1_000_000;
    int readerCount = args.length > 4 ? Integer.parseInt(args[4]) : 4;
    Mix mix = switch (engine) {
      case "kv" -> new KvMix(keys);
      case "lmdb" -> new LmdbMix(keys);
      default -> throw new IllegalArgumentException("engine " + engine + ": kv or lmdb");
    };
    // Resources close in reverse: the readers stop before the store closes (LMDB's would crash).
    try (mix; Readers readers = new Readers(mix, readerCount, keys)) {
      System.out.printf(Locale.ROOT, "%-6s %9s %9s %8s %8s %10s %8s %10s%n",
          "puts", "us/put", "cpu us", "vcsw", "ivcsw", "all vcsw", "minflt", "gets/s");
      ThreadMXBean threads = ManagementFactory.getThreadMXBean();
      SplittableRandom random = new SplittableRandom(42);
      ByteBuffer key = ByteBuffer.allocateDirect(KvBenchmark.KEY_SIZE);
      ByteBuffer value = ByteBuffer.allocateDirect(KvBenchmark.VALUE_SIZE);
      for (int done = 0; done < puts; done += every) {
        int count = Math.min(every, puts - done);
        FaultsAndSwitches before = FaultsAndSwitches.read();
        long cpu = threads.getCurrentThreadCpuTime();
        long got = readers.gets.sum();
        long start = System.nanoTime();
        for (int p = 0; p < count; p++) {
          long id = random.nextInt(keys);
          mix.put(id, key, value);
        }
        long wall = System.nanoTime() - start;
        cpu = threads.getCurrentThreadCpuTime() - cpu;
        got = readers.gets.sum() - got;
        FaultsAndSwitches after = FaultsAndSwitches.read();
        System.out.printf(Locale.ROOT, "%-6d %9.1f %9.1f %8.2f %8.2f %10.2f %8.2f %10.0f%n",
            done + count, wall / 1e3 / count, cpu / 1e3 / count,
            (double) (after.voluntary() - before.voluntary()) / count,
            (double) (after.involuntary() - before.involuntary()) / count,
            (double) (after.processVoluntary() - before.processVoluntary()) / count,
            (double) (after.minorFaults() - before.minorFaults()) / count,
            got / (wall / 1e9));
      }
    }
  }

  /** Reader threads doing gets until closed. */
  private static final class Readers implements AutoCloseable {
    final LongAdder gets = new LongAdder();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Thread> threads = new ArrayList<>();

    Readers(Mix mix, int count, int keys) {
      for (int r = 0; r < count; r++) {
        SplittableRandom random = new SplittableRandom(r);
        Thread reader = new Thread(() -> {
          ByteBuffer key = ByteBuffer.allocateDirect(KvBenchmark.KEY_SIZE);
          try {
            while (!stop.get()) {
              mix.get(random.nextInt(keys), key);
              gets.increment();
            }
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }, "reader-" + r);
        reader.start();
        threads.add(reader);
      }
    }

    @Override
    public void close() throws InterruptedException {
      stop.set(true);
      for (Thread reader : threads) {
        reader.join();
      }
    }
  }

  /** One engine's store, its readers' get and its writer's put. */
  private interface Mix extends AutoCloseable {
    /** A get of key {@code id} in a read transaction of its own; {@code key} is scratch space. */
    void get(long id, ByteBuffer key) throws IOException;

    /** A durable put of a new value under key {@code id}; the buffers are scratch space. */
    void put(long id, ByteBuffer key, ByteBuffer value) throws IOException;
  }

  private static final class KvMix implements Mix {
    private final KvBenchmark.KvLoaded loaded = new KvBenchmark.KvLoaded();

    KvMix(int keys) throws IOException {
      loaded.keys = keys;
      loaded.fill();
    }

    @Override
    public void get(long id, ByteBuffer key) throws IOException {
      try (KvReadTransaction read = loaded.store.beginRead()) {
        read.get(KvBenchmark.key(id));
      }
    }

    @Override
    public void put(long id, ByteBuffer key, ByteBuffer value) throws IOException {
      loaded.store.put(KvBenchmark.key(id), KvBenchmark.value(id + 1));
    }

    @Override
    public void close() throws Exception {
      loaded.delete();
    }
  }

  private static final class LmdbMix implements Mix {
    private final KvBenchmark.LmdbLoaded loaded = new KvBenchmark.LmdbLoaded();

    LmdbMix(int keys) throws IOException {
      loaded.keys = keys;
      loaded.fill();
    }

    @Override
    public void get(long id, ByteBuffer key) {
      try (Txn<ByteBuffer> read = loaded.lmdb.env().txnRead()) {
        ByteBuffer found = loaded.lmdb.db().get(read, key.put(0, KvBenchmark.key(id)));
        if (found != null) {
          byte[] copy = new byte[found.remaining()];
          found.get(found.position(), copy);
        }
      }
    }

    @Override
    public void put(long id, ByteBuffer key, ByteBuffer value) {
      try (Txn<ByteBuffer> txn = loaded.lmdb.env().txnWrite()) {
        loaded.lmdb.db().put(txn, key.put(0, KvBenchmark.key(id)), value.put(0, KvBenchmark.value(id + 1)));
        txn.commit();
      }
    }

    @Override
    public void close() throws Exception {
      loaded.delete();
    }
  }
}
