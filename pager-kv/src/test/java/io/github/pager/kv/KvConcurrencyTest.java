package io.github.pager.kv;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pager.core.Durability;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.testkit.CrashExplorer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One writer and reader threads on snapshots. Each commit of the writer leaves the store
 * self-describing: key {@code "!sum"} holds a digest of every other entry and {@code "!gen"} the
 * commit's number, so a reader can tell a whole commit from a mix of two without knowing which
 * commit it read. Readers check every read: ascending keys, the digest, the size, gets agreeing
 * with the scan, the backward scan agreeing with the forward one, and commit numbers that never
 * go back. No timing is asserted: the writer commits only after a reader has finished a read
 * since its last commit, and a reader reads again only once the writer has committed since its
 * last read began, so reads and commits interleave however the threads are scheduled.
 */
class KvConcurrencyTest {
  private static final byte[] SUM = bytes("!sum");
  private static final byte[] GEN = bytes("!gen");
  private static final int COMMITS = CrashExplorer.soak() ? 5_000 : 300;
  private static final int READERS = 3;

  @TempDir Path dir;

  @Test
  void readersOnSnapshotsSeeWholeCommitsWhileOneWriterCommits() throws Exception {
    long seed = CrashExplorer.defaultSeed();
    try (Pager pager = Pager.create(dir.resolve("concurrent.pages"), PagerOptions.defaults().withDurability(Durability.NONE))) {
      KvStore store = KvStore.on(pager);
      KvStore verifying = KvStore.on(pager, KvOptions.defaults().withVerifiedReads(true));
      AtomicLong reads = new AtomicLong();
      AtomicLong commits = new AtomicLong();
      AtomicInteger readersRunning = new AtomicInteger(READERS);
      ConcurrentLinkedQueue<String> anomalies = new ConcurrentLinkedQueue<>();
      ExecutorService threads = Executors.newFixedThreadPool(READERS + 1);
      try {
        List<Future<Long>> readers = new ArrayList<>();
        CountDownLatch writerDone = new CountDownLatch(1);
        for (int r = 0; r < READERS; r++) {
          KvStore reading = r == 0 ? verifying : store;
          readers.add(threads.submit(() -> {
            try {
              return read(reading, writerDone, commits, reads, anomalies);
            } finally {
              readersRunning.decrementAndGet();
            }
          }));
        }
        Future<?> writer = threads.submit(() -> {
          try {
            write(store, new SplittableRandom(seed), commits, reads, readersRunning);
          } finally {
            writerDone.countDown();
          }
          return null;
        });
        writer.get();
        long total = 0;
        for (Future<Long> reader : readers) {
          total += reader.get();
        }
        System.out.printf("[kv concurrency] seed %d: %d commits, %d reads, %d anomalies%n", seed, COMMITS, total, anomalies.size());
        assertThat(anomalies).as("anomalies (seed %d)", seed).isEmpty();
        assertThat(total).as("reads, at least one between each two commits").isGreaterThanOrEqualTo(COMMITS);
      } finally {
        threads.shutdownNow();
      }
      assertThat(store.verify().problems()).isEmpty();
    }
  }

  /**
   * A read transaction taken before the writer rewrites every entry twice over still reads its
   * commit, from four threads at once; the pages it reaches are held back meanwhile, and are
   * handed out again once it is closed.
   */
  @Test
  void aReadTransactionKeepsItsCommitForManyThreadsWhileTheWriterRewritesEverything() throws Exception {
    try (Pager pager = Pager.create(dir.resolve("held.pages"), PagerOptions.defaults().withDurability(Durability.NONE))) {
      KvStore store = KvStore.on(pager, KvOptions.defaults().withVerifiedReads(true));
      TreeMap<String, String> before = new TreeMap<>();
      try (KvWriteTransaction tx = store.beginWrite()) {
        for (int i = 0; i < 500; i++) {
          String key = "key" + i;
          String value = "before " + i + "x".repeat(i % 7 == 0 ? 5000 : 50);
          tx.put(bytes(key), bytes(value));
          before.put(key, value);
        }
        tx.commit();
      }
      ExecutorService threads = Executors.newFixedThreadPool(4);
      try (KvReadTransaction read = store.beginRead()) {
        CountDownLatch rewritten = new CountDownLatch(1);
        List<Future<Map<String, String>>> seen = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
          seen.add(threads.submit(() -> {
            rewritten.await();
            return entries(read);
          }));
        }
        for (int round = 0; round < 2; round++) {
          try (KvWriteTransaction tx = store.beginWrite()) {
            for (int i = 0; i < 500; i++) {
              if (i % 5 == round) {
                tx.delete(bytes("key" + i));
              } else {
                tx.put(bytes("key" + i), bytes("round " + round));
              }
            }
            tx.commit();
          }
        }
        assertThat(pager.pagesHeldForSnapshots()).as("pages held back for the read transaction").isPositive();
        rewritten.countDown();
        for (Future<Map<String, String>> thread : seen) {
          assertThat(thread.get()).isEqualTo(before);
        }
        assertThat(read.size()).isEqualTo(500);
      } finally {
        threads.shutdownNow();
      }
      store.put(bytes("after"), bytes("the read transaction closed"));
      store.put(bytes("after"), bytes("and two commits went by"));
      assertThat(pager.pagesHeldForSnapshots()).isZero();
      assertThat(store.verify().problems()).isEmpty();
    }
  }

  // ---------------------------------------------------------------------------------------------

  /** Commits {@link #COMMITS} changes, each after at least one read finished since the last. */
  private static void write(
      KvStore store, SplittableRandom random, AtomicLong commits, AtomicLong reads, AtomicInteger readersRunning)
      throws IOException {
    TreeMap<byte[], byte[]> model = new TreeMap<>(Arrays::compareUnsigned);
    long readsAtLastCommit = 0;
    for (int commit = 1; commit <= COMMITS; commit++) {
      while (reads.get() == readsAtLastCommit && readersRunning.get() == READERS) {
        LockSupport.parkNanos(50_000);
      }
      try (KvWriteTransaction tx = store.beginWrite()) {
        int changes = 1 + random.nextInt(20);
        for (int i = 0; i < changes; i++) {
          byte[] key = bytes("key" + random.nextInt(400));
          if (random.nextInt(4) == 0) {
            tx.delete(key);
            model.remove(key);
          } else {
            byte[] value = new byte[random.nextInt(16) == 0 ? 3000 + random.nextInt(6000) : random.nextInt(120)];
            random.nextBytes(value);
            tx.put(key, value);
            model.put(key, value);
          }
        }
        tx.put(GEN, ByteBuffer.allocate(8).putLong(commit).array());
        tx.put(SUM, ByteBuffer.allocate(8).putLong(digest(model)).array());
        tx.commit();
      }
      readsAtLastCommit = reads.get();
      commits.incrementAndGet();
    }
  }

  /** Reads until the writer is done (and once after); returns how many reads it made. */
  private static long read(
      KvStore store, CountDownLatch writerDone, AtomicLong commits, AtomicLong reads,
      ConcurrentLinkedQueue<String> anomalies) throws IOException {
    long lastGeneration = 0;
    long count = 0;
    boolean last;
    do {
      last = writerDone.getCount() == 0;
      long commitsBefore = commits.get();
      try (KvReadTransaction read = store.beginRead()) {
        lastGeneration = check(read, lastGeneration, anomalies);
      }
      count++;
      reads.incrementAndGet();
      while (commits.get() == commitsBefore && writerDone.getCount() > 0) {
        LockSupport.parkNanos(50_000);
      }
    } while (!last && anomalies.isEmpty());
    return count;
  }

  /** Checks one read transaction; returns the commit number it saw. */
  private static long check(KvReadTransaction read, long lastGeneration, ConcurrentLinkedQueue<String> anomalies)
      throws IOException {
    TreeMap<byte[], byte[]> entries = new TreeMap<>(Arrays::compareUnsigned);
    KvCursor cursor = read.cursor();
    byte[] previous = null;
    for (boolean on = cursor.first(); on; on = cursor.next()) {
      byte[] key = cursor.key();
      if (previous != null && Arrays.compareUnsigned(previous, key) >= 0) {
        anomalies.add("keys out of order at generation " + read.generation());
      }
      previous = key;
      entries.put(key, cursor.value());
    }
    byte[] sum = entries.remove(SUM);
    byte[] gen = entries.remove(GEN);
    if (sum == null || gen == null) {
      if (!entries.isEmpty() || (sum == null) != (gen == null)) {
        anomalies.add("entries without their digest at generation " + read.generation());
      }
      return lastGeneration;
    }
    long generation = ByteBuffer.wrap(gen).getLong();
    if (ByteBuffer.wrap(sum).getLong() != digest(entries)) {
      anomalies.add("commit " + generation + " read as a mix: its digest does not match its entries");
    }
    if (generation < lastGeneration) {
      anomalies.add("commit " + generation + " read after commit " + lastGeneration);
    }
    if (read.size() != entries.size() + 2) {
      anomalies.add("commit " + generation + ": size " + read.size() + ", cursor found " + (entries.size() + 2));
    }
    List<byte[]> backwards = new ArrayList<>();
    for (boolean on = cursor.last(); on; on = cursor.previous()) {
      backwards.add(cursor.key());
    }
    if (backwards.size() != entries.size() + 2) {
      anomalies.add("commit " + generation + ": the backward scan found " + backwards.size() + " entries");
    }
    for (Map.Entry<byte[], byte[]> entry : entries.entrySet()) {
      if (entry.getKey()[entry.getKey().length - 1] % 8 == 0 && !Arrays.equals(read.get(entry.getKey()), entry.getValue())) {
        anomalies.add("commit " + generation + ": get disagrees with the scan");
      }
    }
    return generation;
  }

  private static long digest(Map<byte[], byte[]> entries) {
    long digest = 0;
    for (Map.Entry<byte[], byte[]> entry : entries.entrySet()) {
      digest += Arrays.hashCode(entry.getKey()) * 31L + Arrays.hashCode(entry.getValue());
    }
    return digest;
  }

  private static Map<String, String> entries(KvReadTransaction read) throws IOException {
    TreeMap<String, String> entries = new TreeMap<>();
    KvCursor cursor = read.cursor();
    for (boolean on = cursor.first(); on; on = cursor.next()) {
      entries.put(new String(cursor.key(), java.nio.charset.StandardCharsets.UTF_8),
          new String(cursor.value(), java.nio.charset.StandardCharsets.UTF_8));
    }
    return entries;
  }

  private static byte[] bytes(String text) {
    return text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }
}
