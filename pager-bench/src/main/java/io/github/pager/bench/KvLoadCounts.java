package io.github.pager.bench;

import io.github.pager.core.Pager;
import io.github.pager.core.PagerCounters;
import io.github.pager.core.PagerOptions;
import io.github.pager.kv.KvStore;
import io.github.pager.kv.KvWriteTransaction;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.lmdbjava.Dbi;
import org.lmdbjava.Stat;
import org.lmdbjava.Txn;

/**
 * What one batch of {@link KvBenchmark#kvLoad} costs, counted rather than timed: per write
 * transaction of 1,000 random puts, the wall and CPU time, the process's page faults and context
 * switches, the pager's syncs, and how the tree grows (pages in use, pages freed by the commit);
 * and the same for LMDB's {@code lmdbLoad}, with its tree's page counts. Counts do not drift with
 * the disk's mood, so they say where a load's time goes on any machine; attach {@code perf} or
 * {@code strace} to the process for what the counters here cannot see.
 *
 * <p>Run with {@code java --add-opens=java.base/java.nio=ALL-UNNAMED
 * --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --enable-native-access=ALL-UNNAMED -cp
 * benchmarks.jar io.github.pager.bench.KvLoadCounts kv|lmdb [BATCHES [REPORT_EVERY]]} (default
 * 1,000 batches, a line every 100). Each line covers the batches since the previous one.
 */
public final class KvLoadCounts {
  private KvLoadCounts() {}

  /**
   * Loads {@code BATCHES} batches into a new store of the engine named, printing a line of counts
   * every {@code REPORT_EVERY} batches.
   *
   * @param args {@code kv} or {@code lmdb}, then optionally the batch count and the report interval
   * @throws Exception when the load fails
   */
  public static void main(String[] args) throws Exception {
    String engine = args.length > 0 ? args[0] : "kv";
    int batches = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
    int every = args.length > 2 ? Integer.parseInt(args[2]) : 100;
    Loader loader = switch (engine) {
      case "kv" -> new KvLoader();
      case "lmdb" -> new LmdbLoader();
      default -> throw new IllegalArgumentException("engine " + engine + ": kv or lmdb");
    };
    try (loader) {
      System.out.printf(Locale.ROOT, "%-6s %8s %8s %8s %8s %8s %8s %8s %8s %s%n",
          "keys", "ms", "cpu ms", "minflt", "majflt", "vcsw", "ivcsw", "syncs", "MiB", "tree");
      ThreadMXBean threads = ManagementFactory.getThreadMXBean();
      long next = 0;
      for (int done = 0; done < batches; done += every) {
        int count = Math.min(every, batches - done);
        FaultsAndSwitches before = FaultsAndSwitches.read();
        long cpu = threads.getCurrentThreadCpuTime();
        long syncs = loader.syncs();
        long start = System.nanoTime();
        for (int b = 0; b < count; b++) {
          loader.batch(next);
          next += KvBenchmark.BATCH;
        }
        long wall = System.nanoTime() - start;
        cpu = threads.getCurrentThreadCpuTime() - cpu;
        FaultsAndSwitches after = FaultsAndSwitches.read();
        System.out.printf(Locale.ROOT, "%-6s %8.2f %8.2f %8.1f %8.2f %8.1f %8.1f %8.2f %8.1f %s%n",
            next / 1000 + "k", wall / 1e6 / count, cpu / 1e6 / count,
            (double) (after.minorFaults() - before.minorFaults()) / count,
            (double) (after.majorFaults() - before.majorFaults()) / count,
            (double) (after.voluntary() - before.voluntary()) / count,
            (double) (after.involuntary() - before.involuntary()) / count,
            (double) (loader.syncs() - syncs) / count,
            loader.fileBytes() / 1048576.0, loader.tree());
      }
    }
  }

  /** One engine's batched load. */
  private interface Loader extends AutoCloseable {
    /** Puts keys {@code first} to {@code first + 999} in one durable write transaction. */
    void batch(long first) throws IOException;

    /** Syncs issued so far, where the engine counts them; else 0. */
    long syncs();

    long fileBytes() throws IOException;

    /** The tree's shape now, one short line. */
    String tree() throws IOException;
  }

  private static final class KvLoader implements Loader {
    private final Path path = ScratchFiles.newPath("kv-counts");
    private final Pager pager;
    private final KvStore store;
    private long lastFreed;

    KvLoader() throws IOException {
      pager = Pager.create(path, PagerOptions.defaults());
      store = KvStore.on(pager);
    }

    @Override
    public void batch(long first) throws IOException {
      try (KvWriteTransaction tx = store.beginWrite()) {
        for (long id = first; id < first + KvBenchmark.BATCH; id++) {
          tx.put(KvBenchmark.key(id), KvBenchmark.value(id));
        }
        tx.commit();
      }
      lastFreed = pager.pendingPages().pending();
    }

    @Override
    public long syncs() {
      return pager.counters().syncs();
    }

    @Override
    public long fileBytes() {
      return pager.pageCount() * (long) pager.pageSize();
    }

    @Override
    public String tree() {
      PagerCounters counters = pager.counters();
      return String.format(Locale.ROOT, "in use %d pages, pending after the last commit %d, grows %d",
          pager.pageCount() - pager.freePageCount(), lastFreed, counters.grows());
    }

    @Override
    public void close() throws Exception {
      ScratchFiles.closeAndDelete(pager, path);
    }
  }

  private static final class LmdbLoader implements Loader {
    private static final long MAP_SIZE = 4L << 30;
    private final LmdbFile lmdb;
    private final ByteBuffer key = ByteBuffer.allocateDirect(KvBenchmark.KEY_SIZE);
    private final ByteBuffer value = ByteBuffer.allocateDirect(KvBenchmark.VALUE_SIZE);

    LmdbLoader() throws IOException {
      lmdb = LmdbFile.create("kv-lmdb-counts", MAP_SIZE);
    }

    @Override
    public void batch(long first) {
      Dbi<ByteBuffer> db = lmdb.db();
      try (Txn<ByteBuffer> txn = lmdb.env().txnWrite()) {
        for (long id = first; id < first + KvBenchmark.BATCH; id++) {
          db.put(txn, key.put(0, KvBenchmark.key(id)), value.put(0, KvBenchmark.value(id)));
        }
        txn.commit();
      }
    }

    @Override
    public long syncs() {
      return 0;
    }

    @Override
    public long fileBytes() throws IOException {
      return Files.size(lmdb.dir().resolve("data.mdb"));
    }

    @Override
    public String tree() {
      try (Txn<ByteBuffer> txn = lmdb.env().txnRead()) {
        Stat stat = lmdb.db().stat(txn);
        return String.format(Locale.ROOT, "depth %d, branch %d, leaf %d, overflow %d, last page %d",
            stat.depth, stat.branchPages, stat.leafPages, stat.overflowPages, lmdb.env().info().lastPageNumber);
      }
    }

    @Override
    public void close() throws IOException {
      lmdb.closeAndDelete();
    }
  }
}
