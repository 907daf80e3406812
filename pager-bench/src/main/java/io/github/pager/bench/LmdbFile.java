package io.github.pager.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.lmdbjava.Dbi;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.PutFlags;
import org.lmdbjava.Txn;

/**
 * An LMDB environment, through lmdbjava, in a scratch directory of its own: the peer that issue 12
 * compares every pager figure with, opened the way a user's code opens it.
 *
 * <p>Default flags only: no {@code MDB_NOSYNC}, {@code MDB_NOMETASYNC}, {@code MDB_WRITEMAP} or
 * {@code MDB_NOSUBDIR}. So every write transaction's commit is durable the way LMDB documents it:
 * the dirty pages are written and {@code fdatasync}ed, then the meta page is written through a
 * descriptor opened with {@code O_DSYNC}, two device flushes, the shape of a pager commit and of
 * {@link RawSyncBenchmark#syncFileThenPage}. One unnamed database per environment; keys are 8-byte
 * big-endian ids, so LMDB's byte order is id order.
 *
 * <p>lmdbjava needs three JVM options on JDK 25, which a benchmark class with LMDB methods passes
 * to its forks ({@code @Fork(jvmArgsAppend = ...)}), so that a plain {@code java -jar
 * benchmarks.jar} works. A {@code -jvmArgsAppend} given on JMH's command line replaces them (LMDB
 * benchmarks then fail at setup): pass options of your own with {@code -jvmArgsPrepend}, which
 * keeps them.
 */
final class LmdbFile implements AutoCloseable {
  /**
   * lmdbjava's buffer proxy makes the private field {@code java.nio.Buffer.address} accessible;
   * without this option {@code Env.create()} fails with {@code InaccessibleObjectException}.
   */
  static final String OPEN_JAVA_NIO = "--add-opens=java.base/java.nio=ALL-UNNAMED";

  /**
   * lmdbjava casts each key and value to {@code sun.nio.ch.DirectBuffer} to find its address;
   * without this option the first put fails with {@code IllegalAccessError}.
   */
  static final String OPEN_SUN_NIO_CH = "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED";

  /**
   * lmdbjava's native glue (jffi) loads its library with {@code System.load}, a restricted method
   * since JDK 24: allowed with a warning today, to be blocked in a later release without this.
   */
  static final String NATIVE_ACCESS = "--enable-native-access=ALL-UNNAMED";

  /**
   * The largest value LMDB keeps in one 4 KiB overflow page (the page has a 16-byte header). A
   * record of this size costs LMDB one page, as a page costs the pager one: a 4096-byte value
   * would take two overflow pages and double the file the reads range over.
   */
  static final int PAGE_RECORD_SIZE = FileSize.PAGE_SIZE - 16;

  /** Records put per write transaction when filling a file before a benchmark. */
  private static final int FILL_BATCH = 16_384;

  private final Path dir;
  private final Env<ByteBuffer> env;
  private final Dbi<ByteBuffer> db;

  private LmdbFile(Path dir, Env<ByteBuffer> env) {
    this.dir = dir;
    this.env = env;
    this.db = env.openDbi((String) null);
  }

  /**
   * Creates an environment in a new scratch directory, with room for {@code mapSize} bytes (LMDB
   * maps that much address space; the file grows only as pages are written).
   */
  static LmdbFile create(String prefix, long mapSize) throws IOException {
    Path dir = ScratchFiles.newDirectory(prefix);
    return new LmdbFile(dir, open(dir, mapSize, false));
  }

  /** Opens an existing environment's directory, read-write or read-only, with default flags. */
  static Env<ByteBuffer> open(Path dir, long mapSize, boolean readOnly) {
    Env.Builder<ByteBuffer> builder = Env.create().setMapSize(mapSize);
    return readOnly ? builder.open(dir.toFile(), EnvFlags.MDB_RDONLY_ENV) : builder.open(dir.toFile());
  }

  /** The environment's directory. */
  Path dir() {
    return dir;
  }

  /** The environment. */
  Env<ByteBuffer> env() {
    return env;
  }

  /** The unnamed database. */
  Dbi<ByteBuffer> db() {
    return db;
  }

  /** A new direct buffer for an 8-byte key (lmdbjava takes only direct buffers). */
  static ByteBuffer newKey() {
    return ByteBuffer.allocateDirect(Long.BYTES);
  }

  /** A new direct buffer of {@code size} bytes for a value, each byte {@code fill}. */
  static ByteBuffer newValue(int size, byte fill) {
    ByteBuffer value = ByteBuffer.allocateDirect(size);
    for (int i = 0; i < size; i++) {
      value.put(i, fill);
    }
    return value;
  }

  /**
   * Puts records {@code first} to {@code first + count - 1}, each {@code valueSize} bytes, in
   * durable write transactions of at most {@link #FILL_BATCH} records: the state a benchmark
   * starts from, not a measurement. Ids must be above every id already stored.
   */
  void fill(long first, long count, int valueSize) {
    ByteBuffer key = newKey();
    ByteBuffer value = newValue(valueSize, (byte) 1);
    for (long batch = first; batch < first + count; batch += FILL_BATCH) {
      long end = Math.min(first + count, batch + FILL_BATCH);
      try (Txn<ByteBuffer> txn = env.txnWrite()) {
        for (long id = batch; id < end; id++) {
          key.putLong(0, id);
          // Ascending ids: MDB_APPEND only skips the search, the pages written are the same.
          db.put(txn, key, value, PutFlags.MDB_APPEND);
        }
        txn.commit();
      }
    }
  }

  /** Puts one record in a write transaction of its own: one durable commit. */
  void putCommitted(ByteBuffer key, ByteBuffer value) {
    try (Txn<ByteBuffer> txn = env.txnWrite()) {
      db.put(txn, key, value);
      txn.commit();
    }
  }

  /** Deletes one record in a write transaction of its own: one durable commit. */
  void deleteCommitted(ByteBuffer key) {
    try (Txn<ByteBuffer> txn = env.txnWrite()) {
      db.delete(txn, key);
      txn.commit();
    }
  }

  /** Closes the environment; its files stay. */
  @Override
  public void close() {
    env.close();
  }

  /** Closes the environment, then deletes its directory and files, even when closing fails. */
  void closeAndDelete() throws IOException {
    try {
      close();
    } finally {
      deleteDirectory(dir);
    }
  }

  /** Deletes an environment's directory and the files in it ({@code data.mdb}, {@code lock.mdb}). */
  static void deleteDirectory(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return;
    }
    List<Path> files;
    try (Stream<Path> listing = Files.list(dir)) {
      files = listing.toList();
    }
    for (Path file : files) {
      Files.delete(file);
    }
    Files.delete(dir);
  }
}
