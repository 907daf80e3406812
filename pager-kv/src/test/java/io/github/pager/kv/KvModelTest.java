package io.github.pager.kv;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pager.core.Durability;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.testkit.CrashExplorer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The store against a {@link TreeMap} model: random puts, deletes, gets, scans in both
 * directions, commits, rollbacks, reopens and verifies, thousands of steps per case, on a real
 * file. Every read is compared with the model as the transaction should see it (its own changes
 * included), every verify must be clean and account for every allocated page, and a reopen must
 * show exactly the last commit.
 *
 * <p>The cases cover the page sizes' extremes and the shapes that stress the tree: long keys
 * sharing long prefixes on 1 KiB pages (separators and keys spill into overflow runs), values
 * large enough to spill, and many small entries (trees of height 3 and 4).
 *
 * <p>Seeded from {@code -Dpager.seed} (else a fresh seed, printed); a failure names the seed
 * and the step. {@code -Dpager.soak=true} runs ten times the steps.
 */
class KvModelTest {
  private static final long SEED = CrashExplorer.defaultSeed();
  private static final int SOAK = CrashExplorer.soak() ? 10 : 1;

  /** A configuration: page size, the shape of keys and values, steps. */
  enum Case {
    /** 1 KiB pages, keys up to the limit sharing prefixes: spilled keys and separators. */
    LONG_KEYS_1K(1024, 3_000, 3, 0),
    /** 1 KiB pages, short keys, values from empty to a few pages. */
    SPILLED_VALUES_1K(1024, 3_000, 3, 1),
    /** 4 KiB pages, many small entries. */
    SMALL_ENTRIES_4K(4096, 6_000, 2, 2),
    /** 64 KiB pages, mixed keys and values up to 100 KiB. */
    MIXED_64K(65536, 2_000, 2, 3);

    final int pageSize;
    final int steps;

    /** The height the tree must reach at least once, so that splits and merges of branches run. */
    final int minHeight;

    /** Added to the base seed, so that each case draws its own stream. */
    final int seedOffset;

    Case(int pageSize, int steps, int minHeight, int seedOffset) {
      this.pageSize = pageSize;
      this.steps = steps;
      this.minHeight = minHeight;
      this.seedOffset = seedOffset;
    }
  }

  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(Case.class)
  void matchesATreeMap(Case shape) throws Exception {
    long seed = SEED + shape.seedOffset;
    System.out.println("[kv model] " + shape + ": seed " + seed + " (replay: -Dpager.seed=" + SEED + ")");
    new Run(shape, seed, dir.resolve("model.pages")).run(shape.steps * SOAK);
  }

  /** One case: the store, the model, and the step loop. */
  private static final class Run {
    private final Case shape;
    private final long seed;
    private final Path path;
    private final SplittableRandom random;
    private final PagerOptions options;
    private final List<byte[]> prefixes = new ArrayList<>();
    private NavigableMap<byte[], byte[]> committed = newMap();
    private NavigableMap<byte[], byte[]> working = newMap();
    private Pager pager;
    private KvStore store;
    private @Nullable KvWriteTransaction tx;
    private String lastStep = "none";
    private int tallest;

    Run(Case shape, long seed, Path path) throws IOException {
      this.shape = shape;
      this.seed = seed;
      this.path = path;
      this.random = new SplittableRandom(seed);
      this.options = PagerOptions.defaults().withPageSize(shape.pageSize).withDurability(Durability.NONE);
      this.pager = Pager.create(path, options);
      this.store = KvStore.on(pager);
      for (int i = 0; i < 4; i++) {
        prefixes.add(bytes(shape == Case.LONG_KEYS_1K ? 200 + random.nextInt(600) : 1 + random.nextInt(3)));
      }
    }

    void run(int steps) throws Exception {
      try {
        for (int step = 0; step < steps; step++) {
          step(step);
        }
        end();
        verify();
        System.out.println("[kv model] " + shape + ": " + steps + " steps, " + committed.size() + " entries at the end, height up to " + tallest);
        assertThat(tallest).as("the tree's greatest height").isGreaterThanOrEqualTo(shape.minHeight);
      } catch (Throwable e) {
        throw new AssertionError("seed " + seed + " (" + shape + "), at " + lastStep + ": " + e, e);
      } finally {
        if (tx != null) {
          tx.close();
        }
        pager.close();
      }
    }

    private void step(int step) throws Exception {
      int draw = random.nextInt(100);
      lastStep = "step " + step;
      if (draw < 45) {
        byte[] key = key();
        byte[] value = value();
        lastStep += ": put " + describe(key) + " (" + value.length + " bytes)";
        tx().put(key, value);
        working.put(key, value);
      } else if (draw < 65) {
        byte[] key = !working.isEmpty() && random.nextInt(4) > 0 ? existingKey() : key();
        lastStep += ": delete " + describe(key);
        assertThat(tx().delete(key)).as("delete reports presence").isEqualTo(working.remove(key) != null);
      } else if (draw < 75) {
        byte[] key = !working.isEmpty() && random.nextBoolean() ? existingKey() : key();
        lastStep += ": get " + describe(key);
        assertThat(read(key)).as("value of " + describe(key)).isEqualTo(model().get(key));
      } else if (draw < 85) {
        lastStep += ": scan";
        scan();
      } else if (draw < 93) {
        lastStep += ": commit";
        commit();
      } else if (draw < 96) {
        lastStep += ": rollback";
        rollback();
      } else if (draw < 98) {
        lastStep += ": verify";
        end();
        verify();
      } else {
        lastStep += ": reopen";
        end();
        reopen();
      }
    }

    // -------------------------------------------------------------------------------------------
    // Operations

    private KvWriteTransaction tx() throws IOException {
      KvWriteTransaction open = tx;
      if (open == null) {
        open = store.beginWrite();
        tx = open;
        working = copy(committed);
        assertThat(open.size()).as("a new transaction's size").isEqualTo(committed.size());
      }
      return open;
    }

    /** The model the reads should see: the open transaction's, or the last commit's. */
    private NavigableMap<byte[], byte[]> model() {
      return tx != null ? working : committed;
    }

    private byte @Nullable [] read(byte[] key) throws IOException {
      KvWriteTransaction open = tx;
      if (open != null) {
        return open.get(key);
      }
      try (KvReadTransaction read = store.beginRead()) {
        return read.get(key);
      }
    }

    private void commit() throws IOException {
      KvWriteTransaction open = tx;
      if (open == null) {
        return;
      }
      open.commit();
      open.close();
      tx = null;
      committed = working;
      working = copy(committed);
      assertThat(store.size()).as("size after commit").isEqualTo(committed.size());
    }

    private void rollback() {
      KvWriteTransaction open = tx;
      if (open == null) {
        return;
      }
      open.rollback();
      tx = null;
      working = copy(committed);
    }

    /** Ends the open transaction, committing or rolling back at random. */
    private void end() throws IOException {
      if (random.nextBoolean()) {
        commit();
      } else {
        rollback();
      }
    }

    private void reopen() throws IOException {
      pager.close();
      pager = Pager.open(path, options);
      store = KvStore.on(pager);
      try (KvReadTransaction read = store.beginRead()) {
        assertThat(read.size()).isEqualTo(committed.size());
        assertEntries(read.cursor(), committed, "after reopen");
      }
    }

    /** Verify is clean, counts the model's entries, and reaches exactly the allocated pages. */
    private void verify() throws IOException {
      KvVerifyReport report = store.verify();
      assertThat(report.problems()).as("verify").isEmpty();
      assertThat(report.entries()).isEqualTo(committed.size());
      TreeSet<Long> allocated = new TreeSet<>();
      pager.forEachAllocated(id -> allocated.add(id.index()));
      assertThat(allocated).as("allocated pages are the store's pages").isEqualTo(report.pages());
      tallest = Math.max(tallest, report.height());
    }

    /** A range scan in a random direction, in the write transaction or a read transaction. */
    private void scan() throws IOException {
      byte[] from = random.nextInt(4) == 0 || working.isEmpty() ? key() : existingKey();
      byte[] to = random.nextInt(4) == 0 || working.isEmpty() ? key() : existingKey();
      if (Arrays.compareUnsigned(from, to) > 0) {
        byte[] swap = from;
        from = to;
        to = swap;
      }
      int limit = 1 + random.nextInt(60);
      boolean descending = random.nextBoolean();
      KvWriteTransaction open = tx;
      if (open != null && random.nextBoolean()) {
        checkScan(open.cursor(), working, from, to, limit, descending);
        return;
      }
      try (KvReadTransaction read = store.beginRead()) { // beside the open write transaction, if any
        checkScan(read.cursor(), committed, from, to, limit, descending);
        if (random.nextInt(8) == 0) {
          assertEntries(read.cursor(), committed, "a full scan");
        }
      }
    }

    private void checkScan(
        KvCursor cursor, NavigableMap<byte[], byte[]> model, byte[] from, byte[] to, int limit, boolean descending)
        throws IOException {
      NavigableMap<byte[], byte[]> range = model.subMap(from, true, to, true);
      List<Map.Entry<byte[], byte[]>> expected =
          new ArrayList<>((descending ? range.descendingMap() : range).entrySet()).subList(0, Math.min(limit, range.size()));
      List<Map.Entry<byte[], byte[]>> actual = new ArrayList<>();
      boolean on = descending ? cursor.seekFloor(to) : cursor.seekCeiling(from);
      while (on && actual.size() < limit) {
        byte[] key = cursor.key();
        if (descending ? Arrays.compareUnsigned(key, from) < 0 : Arrays.compareUnsigned(key, to) > 0) {
          break;
        }
        actual.add(Map.entry(key, cursor.value()));
        on = descending ? cursor.previous() : cursor.next();
      }
      assertThat(actual).as("scan of [%s, %s] %s", describe(from), describe(to), descending ? "descending" : "ascending")
          .hasSameSizeAs(expected);
      for (int i = 0; i < expected.size(); i++) {
        assertThat(actual.get(i).getKey()).as("key %d of the scan", i).isEqualTo(expected.get(i).getKey());
        assertThat(actual.get(i).getValue()).as("value %d of the scan", i).isEqualTo(expected.get(i).getValue());
      }
    }

    /** The whole store, forwards from first and backwards from last, equals {@code model}. */
    private static void assertEntries(KvCursor cursor, NavigableMap<byte[], byte[]> model, String what) throws IOException {
      List<byte[]> keys = new ArrayList<>();
      for (boolean on = cursor.first(); on; on = cursor.next()) {
        byte[] key = cursor.key();
        keys.add(key);
        assertThat(cursor.value()).as(what + ": value of " + describe(key)).isEqualTo(model.get(key));
      }
      assertThat(keys).as(what + ": keys").containsExactlyElementsOf(model.keySet());
      List<byte[]> backwards = new ArrayList<>();
      for (boolean on = cursor.last(); on; on = cursor.previous()) {
        backwards.add(cursor.key());
      }
      assertThat(backwards).as(what + ": keys backwards").containsExactlyElementsOf(model.descendingKeySet());
    }

    // -------------------------------------------------------------------------------------------
    // Keys and values

    private byte[] key() {
      return switch (shape) {
        case LONG_KEYS_1K -> {
          byte[] prefix = prefixes.get(random.nextInt(prefixes.size()));
          int length = Math.min(KvStore.MAX_KEY_LENGTH, prefix.length + random.nextInt(random.nextBoolean() ? 4 : 500));
          byte[] key = Arrays.copyOf(prefix, length);
          for (int i = prefix.length; i < length; i++) {
            key[i] = (byte) random.nextInt(3); // few distinct bytes: long common prefixes
          }
          yield key;
        }
        case SMALL_ENTRIES_4K -> bytes(random.nextInt(12));
        default -> {
          byte[] prefix = prefixes.get(random.nextInt(prefixes.size()));
          byte[] key = Arrays.copyOf(prefix, prefix.length + random.nextInt(40));
          for (int i = prefix.length; i < key.length; i++) {
            key[i] = (byte) random.nextInt(256);
          }
          yield key;
        }
      };
    }

    private byte[] value() {
      int draw = random.nextInt(20);
      return switch (shape) {
        case LONG_KEYS_1K -> bytes(draw == 0 ? random.nextInt(3000) : random.nextInt(40));
        case SPILLED_VALUES_1K -> bytes(draw < 3 ? 300 + random.nextInt(4000) : random.nextInt(200));
        case SMALL_ENTRIES_4K -> bytes(draw == 0 ? 2000 + random.nextInt(9000) : random.nextInt(24));
        case MIXED_64K -> bytes(draw == 0 ? 20_000 + random.nextInt(80_000) : random.nextInt(2000));
      };
    }

    private byte[] existingKey() {
      NavigableMap<byte[], byte[]> model = model();
      byte[] probe = key();
      byte[] found = random.nextBoolean() ? model.ceilingKey(probe) : model.floorKey(probe);
      return found != null ? found : model.firstKey();
    }

    private byte[] bytes(int length) {
      byte[] bytes = new byte[length];
      for (int i = 0; i < length; i++) {
        bytes[i] = (byte) random.nextInt(256);
      }
      return bytes;
    }

    private static NavigableMap<byte[], byte[]> newMap() {
      return new TreeMap<>(Arrays::compareUnsigned);
    }

    private static NavigableMap<byte[], byte[]> copy(NavigableMap<byte[], byte[]> map) {
      NavigableMap<byte[], byte[]> copy = newMap();
      copy.putAll(map);
      return copy;
    }

    private static String describe(byte[] key) {
      String hex = HexFormat.of().formatHex(key, 0, Math.min(key.length, 12));
      return key.length > 12 ? hex + "..(" + key.length + " bytes)" : hex;
    }
  }
}
