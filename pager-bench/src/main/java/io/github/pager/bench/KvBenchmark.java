package io.github.pager.bench;

import io.github.pager.core.Durability;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.kv.KvCursor;
import io.github.pager.kv.KvReadTransaction;
import io.github.pager.kv.KvStore;
import io.github.pager.kv.KvWriteTransaction;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.Env;
import org.lmdbjava.GetOp;
import org.lmdbjava.Txn;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The key-value store of pager-kv beside LMDB (lmdbjava, default durable flags), on the workloads
 * of issue 14: 16-byte random keys with 100-byte values, 4 KiB pages.
 *
 * <ul>
 *   <li>{@code load}: puts of 1,000 new random keys in one durable write transaction, into a store
 *       that grows from empty through the run. Timed in iterations of 100 such batches (the score
 *       is milliseconds per 100,000 keys), two of warm-up and eight measured, so that each fork
 *       loads exactly 1,000,000 keys and both engines are measured over the same store sizes,
 *       200,000 to 1,000,000 keys. (Iterations of a fixed time would let the faster engine reach
 *       a larger store, where a batch costs more.) {@code -wi} and {@code -i} on the command line
 *       change how many keys a fork loads.
 *   <li>{@code putDurable}: one put of an existing key (a new value) in a durable write
 *       transaction of its own, on a store of {@code keys} entries.
 *   <li>{@code get}: one lookup of a random present key, warm, in a read transaction held open
 *       for the trial (a read transaction per thread).
 *   <li>{@code scan}: a seek to a random key, then the next 100 entries, keys and values read.
 *   <li>{@code mix}: four threads each doing a get in a read transaction of its own beside one
 *       thread doing durable single puts (a JMH group; each thread's score is its own).
 * </ul>
 *
 * <p>Both engines store the same keys: key {@code i} is 16 bytes mixed from {@code i}, so ids in
 * order are keys in random order. The stores are filled before measuring (the pager with {@code
 * Durability.NONE}, then synced and reopened durable; LMDB in durable batches). Figures belong
 * in BENCHMARKS.md as ratios of one run; a smoke run only checks that everything works: {@code
 * -p keys=10000}.
 */
@Fork(jvmArgsAppend = {LmdbFile.OPEN_JAVA_NIO, LmdbFile.OPEN_SUN_NIO_CH, LmdbFile.NATIVE_ACCESS})
public class KvBenchmark {
  static final int KEY_SIZE = 16;
  static final int VALUE_SIZE = 100;
  static final int BATCH = 1_000;

  /** Batches per iteration of the loads: 100,000 keys. */
  static final int LOAD_BATCHES = 100;
  static final int SCAN = 100;
  private static final int FILL_BATCH = 10_000;
  private static final long LMDB_MAP_SIZE = 4L << 30;

  /** Key {@code id}: 16 bytes mixed from it (two rounds of SplittableRandom's finalizer). */
  static byte[] key(long id) {
    return ByteBuffer.allocate(KEY_SIZE).putLong(mix(id)).putLong(mix(~id)).array();
  }

  private static long mix(long value) {
    long z = value * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  static byte[] value(long seed) {
    byte[] value = new byte[VALUE_SIZE];
    new SplittableRandom(seed).nextBytes(value);
    return value;
  }

  /** One benchmark thread's random ids, and the direct buffers LMDB takes keys and values in. */
  @State(Scope.Thread)
  public static class Ids {
    final SplittableRandom random = new SplittableRandom(42);
    final ByteBuffer key = ByteBuffer.allocateDirect(KEY_SIZE);
    final ByteBuffer value = ByteBuffer.allocateDirect(VALUE_SIZE);

    /** A random id below {@code keys}. */
    long next(int keys) {
      return random.nextInt(keys);
    }

    ByteBuffer directKey(long id) {
      return key.put(0, KvBenchmark.key(id));
    }

    ByteBuffer directValue(long seed) {
      return value.put(0, KvBenchmark.value(seed));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The pager's store

  /** A store of {@code keys} entries, durable; shared by the threads of a benchmark. */
  @State(Scope.Benchmark)
  public static class KvLoaded {
    /** Entries in the store before measuring. */
    @Param({"1000000"})
    public int keys;

    Path path;
    Pager pager;
    KvStore store;

    /** The benchmark threads' read transactions, closed here: JMH tears this state down first. */
    final Queue<KvReadTransaction> readers = new ConcurrentLinkedQueue<>();

    /** Fills the store without syncs, then reopens it durable. */
    @Setup(Level.Trial)
    public void fill() throws IOException {
      path = ScratchFiles.newPath("kv");
      PagerOptions fast = PagerOptions.defaults().withDurability(Durability.NONE);
      try (Pager filling = Pager.create(path, fast)) {
        KvStore store = KvStore.on(filling);
        for (int first = 0; first < keys; first += FILL_BATCH) {
          try (KvWriteTransaction tx = store.beginWrite()) {
            for (int id = first; id < Math.min(keys, first + FILL_BATCH); id++) {
              tx.put(key(id), value(id));
            }
            tx.commit();
          }
        }
        filling.sync();
      }
      pager = Pager.open(path);
      store = KvStore.on(pager);
    }

    /** Closes the read transactions and the pager, and deletes the file. */
    @TearDown(Level.Trial)
    public void delete() throws Exception {
      readers.forEach(KvReadTransaction::close);
      ScratchFiles.closeAndDelete(pager, path);
    }
  }

  /**
   * A read transaction of one benchmark thread, open for the trial (the shared state closes it):
   * only for benchmarks that do not write, since an open read transaction holds back every page
   * freed after its commit.
   */
  @State(Scope.Thread)
  public static class KvReader {
    @Nullable KvReadTransaction read;

    /** Opens the read transaction. */
    @Setup(Level.Trial)
    public void open(KvLoaded loaded) {
      KvReadTransaction opened = loaded.store.beginRead();
      loaded.readers.add(opened);
      read = opened;
    }
  }

  /** An empty durable store that {@code load} fills, batch after batch. */
  @State(Scope.Thread)
  public static class KvLoading {
    Path path;
    Pager pager;
    KvStore store;
    long next;

    /** Creates the store. */
    @Setup(Level.Trial)
    public void create() throws IOException {
      path = ScratchFiles.newPath("kv-load");
      pager = Pager.create(path, PagerOptions.defaults());
      store = KvStore.on(pager);
    }

    /** Closes the pager and deletes the file. */
    @TearDown(Level.Trial)
    public void delete() throws Exception {
      ScratchFiles.closeAndDelete(pager, path);
    }
  }

  /** 1,000 new random keys in one durable write transaction. */
  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @Warmup(iterations = 2, batchSize = LOAD_BATCHES)
  @Measurement(iterations = 8, batchSize = LOAD_BATCHES)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public long kvLoad(KvLoading state) throws IOException {
    try (KvWriteTransaction tx = state.store.beginWrite()) {
      for (int i = 0; i < BATCH; i++) {
        long id = state.next++;
        tx.put(key(id), value(id));
      }
      tx.commit();
      return state.next;
    }
  }

  /** One put of an existing key in a durable write transaction of its own. */
  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public void kvPutDurable(KvLoaded loaded, Ids ids) throws IOException {
    long id = ids.next(loaded.keys);
    loaded.store.put(key(id), value(id + 1));
  }

  /** One lookup of a present key. */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public byte @Nullable [] kvGet(KvLoaded loaded, KvReader thread, Ids ids) throws IOException {
    return readOf(thread).get(key(ids.next(loaded.keys)));
  }

  /** A seek, then 100 entries. */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public void kvScan(KvLoaded loaded, KvReader thread, Ids ids, Blackhole sink) throws IOException {
    KvCursor cursor = readOf(thread).cursor();
    int read = 0;
    for (boolean on = cursor.seekCeiling(key(ids.next(loaded.keys))); on && read < SCAN; on = cursor.next()) {
      sink.consume(cursor.key());
      sink.consume(cursor.value());
      read++;
    }
  }

  /** The mix's readers: a get in a read transaction of its own. */
  @Benchmark
  @Group("kvMix")
  @GroupThreads(4)
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public byte @Nullable [] kvMixGet(KvLoaded loaded, Ids ids) throws IOException {
    try (KvReadTransaction read = loaded.store.beginRead()) {
      return read.get(key(ids.next(loaded.keys)));
    }
  }

  /** The mix's writer: durable single puts. */
  @Benchmark
  @Group("kvMix")
  @GroupThreads(1)
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public void kvMixPut(KvLoaded loaded, Ids ids) throws IOException {
    kvPutDurable(loaded, ids);
  }

  private static KvReadTransaction readOf(KvReader thread) {
    KvReadTransaction read = thread.read;
    if (read == null) {
      throw new IllegalStateException("no read transaction");
    }
    return read;
  }

  // ---------------------------------------------------------------------------------------------
  // LMDB

  /** An LMDB environment of {@code keys} entries; shared by the threads of a benchmark. */
  @State(Scope.Benchmark)
  public static class LmdbLoaded {
    /** Entries in the environment before measuring. */
    @Param({"1000000"})
    public int keys;

    LmdbFile lmdb;

    /** The benchmark threads' read transactions, closed here: JMH tears this state down first. */
    final Queue<Txn<ByteBuffer>> readers = new ConcurrentLinkedQueue<>();

    /** Fills the environment in durable batches. */
    @Setup(Level.Trial)
    public void fill() throws IOException {
      lmdb = LmdbFile.create("kv-lmdb", LMDB_MAP_SIZE);
      ByteBuffer key = ByteBuffer.allocateDirect(KEY_SIZE);
      ByteBuffer value = ByteBuffer.allocateDirect(VALUE_SIZE);
      for (int first = 0; first < keys; first += FILL_BATCH) {
        try (Txn<ByteBuffer> txn = lmdb.env().txnWrite()) {
          for (int id = first; id < Math.min(keys, first + FILL_BATCH); id++) {
            lmdb.db().put(txn, key.put(0, key(id)), value.put(0, value(id)));
          }
          txn.commit();
        }
      }
    }

    /** Closes the read transactions and the environment, and deletes it. */
    @TearDown(Level.Trial)
    public void delete() throws IOException {
      readers.forEach(Txn::close);
      lmdb.closeAndDelete();
    }
  }

  /**
   * A read transaction of one benchmark thread, open for the trial (the shared state closes it):
   * only for benchmarks that do not write, since LMDB too reuses no page an open reader may see.
   */
  @State(Scope.Thread)
  public static class LmdbReader {
    @Nullable Txn<ByteBuffer> read;

    /** Opens the read transaction, on this benchmark thread (LMDB binds it to its thread). */
    @Setup(Level.Trial)
    public void open(LmdbLoaded loaded) {
      Txn<ByteBuffer> opened = loaded.lmdb.env().txnRead();
      loaded.readers.add(opened);
      read = opened;
    }
  }

  /** An empty LMDB environment that {@code load} fills, batch after batch. */
  @State(Scope.Thread)
  public static class LmdbLoading {
    LmdbFile lmdb;
    final ByteBuffer key = ByteBuffer.allocateDirect(KEY_SIZE);
    final ByteBuffer value = ByteBuffer.allocateDirect(VALUE_SIZE);
    long next;

    /** Creates the environment. */
    @Setup(Level.Trial)
    public void create() throws IOException {
      lmdb = LmdbFile.create("kv-lmdb-load", LMDB_MAP_SIZE);
    }

    /** Closes it and deletes it. */
    @TearDown(Level.Trial)
    public void delete() throws IOException {
      lmdb.closeAndDelete();
    }
  }

  /** The peer of {@link #kvLoad}. */
  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @Warmup(iterations = 2, batchSize = LOAD_BATCHES)
  @Measurement(iterations = 8, batchSize = LOAD_BATCHES)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public long lmdbLoad(LmdbLoading state) {
    Dbi<ByteBuffer> db = state.lmdb.db();
    try (Txn<ByteBuffer> txn = state.lmdb.env().txnWrite()) {
      for (int i = 0; i < BATCH; i++) {
        long id = state.next++;
        db.put(txn, state.key.put(0, key(id)), state.value.put(0, value(id)));
      }
      txn.commit();
      return state.next;
    }
  }

  /** The peer of {@link #kvPutDurable}. */
  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public void lmdbPutDurable(LmdbLoaded loaded, Ids ids) {
    long id = ids.next(loaded.keys);
    Env<ByteBuffer> env = loaded.lmdb.env();
    try (Txn<ByteBuffer> txn = env.txnWrite()) {
      loaded.lmdb.db().put(txn, ids.directKey(id), ids.directValue(id + 1));
      txn.commit();
    }
  }

  /** The peer of {@link #kvGet}: the value copied out, as the store's get copies it. */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public byte @Nullable [] lmdbGet(LmdbLoaded loaded, LmdbReader thread, Ids ids) {
    Txn<ByteBuffer> read = lmdbReadOf(thread);
    ByteBuffer found = loaded.lmdb.db().get(read, ids.directKey(ids.next(loaded.keys)));
    return found == null ? null : copy(found);
  }

  /** The peer of {@link #kvScan}. */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public void lmdbScan(LmdbLoaded loaded, LmdbReader thread, Ids ids, Blackhole sink) {
    try (Cursor<ByteBuffer> cursor = loaded.lmdb.db().openCursor(lmdbReadOf(thread))) {
      int read = 0;
      for (boolean on = cursor.get(ids.directKey(ids.next(loaded.keys)), GetOp.MDB_SET_RANGE);
          on && read < SCAN; on = cursor.next()) {
        sink.consume(copy(cursor.key()));
        sink.consume(copy(cursor.val()));
        read++;
      }
    }
  }

  /** The peer of {@link #kvMixGet}. */
  @Benchmark
  @Group("lmdbMix")
  @GroupThreads(4)
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public byte @Nullable [] lmdbMixGet(LmdbLoaded loaded, Ids ids) {
    try (Txn<ByteBuffer> read = loaded.lmdb.env().txnRead()) {
      ByteBuffer found = loaded.lmdb.db().get(read, ids.directKey(ids.next(loaded.keys)));
      return found == null ? null : copy(found);
    }
  }

  /** The peer of {@link #kvMixPut}. */
  @Benchmark
  @Group("lmdbMix")
  @GroupThreads(1)
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public void lmdbMixPut(LmdbLoaded loaded, Ids ids) {
    lmdbPutDurable(loaded, ids);
  }

  private static Txn<ByteBuffer> lmdbReadOf(LmdbReader thread) {
    Txn<ByteBuffer> read = thread.read;
    if (read == null) {
      throw new IllegalStateException("no read transaction");
    }
    return read;
  }

  private static byte[] copy(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.get(buffer.position(), bytes);
    return bytes;
  }
}
