package io.github.pager.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pager.core.storage.FileStorage;
import io.github.pager.core.storage.ForwardingStorage;
import io.github.pager.core.storage.ReaderTable;
import io.github.pager.core.storage.Storage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Online backup: a copy of a snapshot opens clean at its generation and holds exactly its commit. */
class SnapshotCopyTest {
  @TempDir Path dir;

  /**
   * What a copy must reproduce of a commit: generation, roots, the array under slots 6 and 7,
   * and every allocated user page with a checksum of its bytes.
   */
  record State(long generation, List<Long> roots, List<Long> array, Map<Long, Integer> pages) {
    static State of(Pager pager) throws IOException {
      List<Long> roots = new ArrayList<>();
      for (int slot = 0; slot < Transaction.ROOT_SLOTS; slot++) {
        roots.add(pager.root(slot));
      }
      List<Long> array = new ArrayList<>();
      PersistentArray records = pager.readArray(6, 16);
      for (int i = 0; i < ARRAY_LENGTH; i++) {
        long[] record = records.get(i);
        array.add(record[0]);
        array.add(record[1]);
      }
      Map<Long, Integer> pages = new TreeMap<>();
      for (PageId id : pager.allocatedPages()) {
        pages.put(id.index(), Checksums.crc32c(pager.page(id).segment(), 0, pager.pageSize()));
      }
      return new State(pager.generation(), roots, array, pages);
    }

    /** What differs from {@code expected}, one line each, so a failure names pages, not two dumps. */
    List<String> differencesFrom(State expected) {
      List<String> differences = new ArrayList<>();
      if (generation != expected.generation) {
        differences.add("generation " + generation + ", expected " + expected.generation);
      }
      if (!roots.equals(expected.roots)) {
        differences.add("roots " + roots + ", expected " + expected.roots);
      }
      if (!array.equals(expected.array)) {
        differences.add("array " + array + ", expected " + expected.array);
      }
      TreeMap<Long, Integer> all = new TreeMap<>(pages);
      all.putAll(expected.pages);
      for (long page : all.keySet()) {
        if (!Objects.equals(pages.get(page), expected.pages.get(page))) {
          differences.add("page " + page + ": " + describe(pages.get(page)) + ", expected "
              + describe(expected.pages.get(page)));
        }
      }
      return differences;
    }

    private static String describe(@Nullable Integer crc) {
      return crc == null ? "not allocated" : "CRC " + Integer.toHexString(crc);
    }
  }

  private static final int ARRAY_LENGTH = 8;

  @Test
  void aCopyOpensCleanAtTheSnapshotsGenerationWhileTheWriterGoesOn() throws IOException {
    Path source = dir.resolve("source.pages");
    Path target = dir.resolve("copy.pages");
    State expected;
    List<Long> written = new ArrayList<>();
    try (Pager pager = Pager.create(source, PagerOptions.defaults().withDurability(Durability.NONE))) {
      List<PageId> pages = pager.allocBulk(40);
      for (PageId id : pages) {
        written.add(id.index());
        pager.page(id).putLong(0, id.index() * 31);
        pager.page(id).putLong(pager.pageSize() - 8, ~id.index());
      }
      try (Transaction tx = pager.begin()) {
        tx.setRoot(0, 4242);
        tx.array(6, 16).set(3, new long[] {1, 2});
        tx.bitmap(8).set(77);
        tx.commit();
      }
      expected = State.of(pager);
      try (Snapshot snapshot = pager.snapshot()) {
        // The writer frees what the snapshot reaches and rewrites everything it is handed.
        pager.freeBulk(pages);
        for (int round = 0; round < 10; round++) {
          try (Transaction tx = pager.begin()) {
            for (PageId id : tx.allocBulk(5)) {
              pager.page(id).fill((byte) -1);
            }
            tx.setRoot(0, round);
            tx.array(6, 16).set(3, new long[] {round, round});
            tx.commit();
          }
        }
        CopyReport report = snapshot.copyTo(target, CopyOptions.defaults());
        assertThat(report.generation()).isEqualTo(expected.generation());
        assertThat(report.pageCount()).isEqualTo(snapshot.pageCount());
        assertThat(report.pagesInUse()).isEqualTo(snapshot.pageCount() - snapshot.freePageCount());
        assertThat(report.fileBytes()).isEqualTo(Files.size(target));
        assertThat(report.bytesWritten()).as("not sparse: every page written").isEqualTo(report.fileBytes());
      }
    }
    try (Pager copy = Pager.open(target)) {
      assertThat(copy.openedFromAlternate()).isFalse();
      assertThat(copy.superblockRecovered()).isFalse();
      assertThat(State.of(copy).differencesFrom(expected)).isEmpty();
      assertThat(expected.pages().keySet()).containsAll(written);
      for (long index : written) {
        assertThat(copy.page(copy.pageId(index)).getLong(0)).isEqualTo(index * 31);
      }
      assertThat(copy.readBitmap(8).get(77)).isTrue();
      assertThat(copy.verify().problems()).isEmpty();
      PageFileInspection inspection = PageFileInspection.inspect(target);
      assertThat(inspection.copy(1).usable()).isTrue();
      assertThat(inspection.copy(2).usable()).isTrue();
      assertThat(inspection.activeSlot()).as("equal generations: A, as open takes it").isEqualTo(1);
      // The copy is a page file like any other: it commits and reopens.
      long generation = copy.generation();
      PageId id = copy.alloc();
      copy.page(id).putLong(0, 99);
      copy.free(copy.allocatedPages().get(0));
      assertThat(copy.generation()).isEqualTo(generation + 2);
    }
    try (Pager copy = Pager.open(target)) {
      assertThat(copy.openedFromAlternate()).isFalse();
      assertThat(copy.verify().problems()).isEmpty();
    }
    assertThat(leftovers()).containsExactlyInAnyOrder("source.pages", "source.pages-lock", "copy.pages", "copy.pages-lock");
  }

  @Test
  void copiesTakenDuringCommitsFromOtherThreadsEqualTheModelAtTheirGeneration() throws Exception {
    long seed = Long.getLong("pager.seed", System.nanoTime());
    System.out.println("[copy during commits] seed " + seed + " (-Dpager.seed=" + seed + ")");
    Path source = dir.resolve("busy.pages");
    Map<Long, State> model = new HashMap<>();
    List<PageId> owned = new ArrayList<>(); // the writers' pages; guarded by the model's lock
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService writers = Executors.newFixedThreadPool(2);
    try (Pager pager = Pager.create(source, PagerOptions.defaults().withPageSize(1024).withDurability(Durability.NONE))) {
      synchronized (model) {
        model.put(pager.generation(), State.of(pager));
      }
      List<Future<Long>> running = new ArrayList<>();
      for (int w = 0; w < 2; w++) {
        SplittableRandom random = new SplittableRandom(seed + w);
        running.add(writers.submit(() -> commitUntilStopped(pager, random, model, owned, stop)));
      }
      for (int copyNumber = 0; copyNumber < 12; copyNumber++) {
        Path target = dir.resolve("copy-" + copyNumber + ".pages");
        CopyOptions options = CopyOptions.defaults().withTrimFreeTail(copyNumber % 2 == 1).withSparse(copyNumber % 3 == 1);
        CopyReport report = pager.copyTo(target, options);
        State expected;
        synchronized (model) {
          // The commit's writer recorded its state inside the block that held the model's lock
          // around the commit, so it is there by now.
          expected = Objects.requireNonNull(model.get(report.generation()), "no model for " + report.generation());
        }
        try (Pager copy = Pager.open(target, PagerOptions.defaults().withReadOnly(true))) {
          assertThat(copy.openedFromAlternate()).isFalse();
          assertThat(copy.generation()).isEqualTo(report.generation());
          assertThat(copy.pageCount()).isEqualTo(report.pageCount());
          assertThat(State.of(copy).differencesFrom(expected))
              .as("copy %d (%s) of generation %d, seed %d", copyNumber, options, report.generation(), seed)
              .isEmpty();
          assertThat(copy.verify().problems()).isEmpty();
        }
      }
      stop.set(true);
      long commits = 0;
      for (Future<Long> writer : running) {
        commits += writer.get();
      }
      assertThat(commits).as("the writers committed while the copies were taken").isPositive();
    } finally {
      stop.set(true);
      writers.shutdownNow();
    }
  }

  /**
   * Commits allocations (each new page stamped before its commit, and never written again),
   * frees, root and array changes, recording each commit's state under its generation.
   */
  private static long commitUntilStopped(
      Pager pager, SplittableRandom random, Map<Long, State> model, List<PageId> owned, AtomicBoolean stop)
      throws IOException {
    long commits = 0;
    while (!stop.get()) {
      synchronized (model) {
        List<PageId> mine = new ArrayList<>(owned);
        try (Transaction tx = pager.begin()) {
          if (mine.size() > 300 || (!mine.isEmpty() && random.nextInt(3) == 0)) {
            for (int n = 1 + random.nextInt(10); n > 0 && !mine.isEmpty(); n--) {
              tx.free(mine.remove(random.nextInt(mine.size())));
            }
          } else {
            for (PageId id : tx.allocBulk(1 + random.nextInt(20))) {
              mine.add(id);
              byte[] bytes = new byte[pager.pageSize()];
              random.nextBytes(bytes);
              pager.page(id).write(0, bytes, 0, bytes.length);
            }
          }
          if (random.nextInt(50) == 0) {
            tx.ensurePageCount(pager.pageCount() + 500);
          }
          tx.setRoot(random.nextInt(6), random.nextLong());
          tx.array(6, 16).set(random.nextInt(ARRAY_LENGTH), new long[] {random.nextLong(), commits});
          tx.commit();
        }
        owned.clear();
        owned.addAll(mine);
        model.put(pager.generation(), State.of(pager));
      }
      commits++;
    }
    return commits;
  }

  @Test
  void aTrimmedCopyEndsAfterItsHighestPageInUseAndGrowsAgain() throws IOException {
    Path source = dir.resolve("roomy.pages");
    Path target = dir.resolve("trimmed.pages");
    long highest;
    long inUse;
    try (Pager pager = Pager.create(source, PagerOptions.defaults().withInitialPageCount(2000))) {
      List<PageId> pages = pager.allocBulk(30);
      pager.freeBulk(pages.subList(0, 10));
      highest = pages.get(29).index();
      for (long node : pager.treeNodePagesForTests()) {
        highest = Math.max(highest, node); // the tree's nodes moved up with each commit
      }
      inUse = pager.pageCount() - pager.freePageCount();
      CopyReport report = pager.copyTo(target, CopyOptions.defaults().withTrimFreeTail(true).withSparse(true));
      assertThat(report.pageCount()).isEqualTo(highest + 1);
      assertThat(report.bytesWritten()).as("sparse: only pages in use").isEqualTo(report.pagesInUse() * 4096);
    }
    assertThat(Files.size(target)).isEqualTo((highest + 1) * 4096);
    try (Pager copy = Pager.open(target)) {
      assertThat(copy.pageCount()).isEqualTo(highest + 1);
      assertThat(copy.freePageCount()).as("the free pages below the highest in use").isEqualTo(highest + 1 - inUse);
      assertThat(copy.allocatedPages()).hasSize(20);
      assertThat(copy.verify().problems()).isEmpty();
      assertThat(copy.allocBulk(3000)).hasSize(3000);
      assertThat(copy.verify().problems()).isEmpty();
    }
    try (Pager copy = Pager.open(target)) {
      assertThat(copy.allocatedPages()).hasSize(3020);
      assertThat(copy.verify().problems()).isEmpty();
    }
  }

  @Test
  void anExistingTargetIsRefusedAndLeftUntouched() throws IOException {
    Path target = Files.writeString(dir.resolve("precious.pages"), "not yours to overwrite");
    try (Pager pager = Pager.create(dir.resolve("src.pages"), PagerOptions.defaults())) {
      pager.alloc();
      assertThatThrownBy(() -> pager.copyTo(target, CopyOptions.defaults()))
          .isInstanceOf(FileAlreadyExistsException.class)
          .hasMessageContaining("precious.pages")
          .hasMessageContaining("refusing to overwrite");
    }
    assertThat(Files.readString(target)).isEqualTo("not yours to overwrite");
    assertThat(leftovers()).containsExactlyInAnyOrder("precious.pages", "src.pages", "src.pages-lock");
  }

  @Test
  void aCopyOfADamagedTreeFailsAndLeavesNothingBehind() throws IOException {
    Path source = dir.resolve("damaged.pages");
    // 1 KiB pages: one leaf covers 8,064 pages, so 9,000 pages need a tree of height 2.
    try (Pager pager = Pager.create(source, PagerOptions.defaults().withPageSize(1024).withSparse(true)
        .withInitialPageCount(9000))) {
      pager.allocBulk(20);
      long leaf = -1;
      for (long node : pager.treeNodePagesForTests()) {
        if (readInt(source, node * 1024 + Format.NODE_LEVEL) == 0) {
          leaf = node;
        }
      }
      assertThat(leaf).as("a leaf below the root").isPositive();
      flipByte(source, leaf * 1024 + 100);
      Path target = dir.resolve("from-damaged.pages");
      assertThatThrownBy(() -> pager.copyTo(target, CopyOptions.defaults()))
          .isInstanceOf(CorruptMetadataException.class)
          .hasMessageContaining("page " + leaf);
    }
    assertThat(leftovers()).containsExactlyInAnyOrder("damaged.pages", "damaged.pages-lock");
  }

  @Test
  void aReadOnlyViewThatAWriterOvertookIsNotCopied() throws IOException {
    Path source = dir.resolve("shared.pages");
    try (Pager writer = Pager.create(source, PagerOptions.defaults().withDurability(Durability.NONE))) {
      writer.allocBulk(10);
      // A reader the writer does not know of (no reader table: it cannot register).
      Storage unregistered =
          new ForwardingStorage(FileStorage.open(source, true)) {
            @Override
            public @Nullable ReaderTable readerTable() {
              return null;
            }
          };
      try (Pager reader = Pager.open(unregistered, PagerOptions.defaults().withReadOnly(true));
          Snapshot snapshot = reader.snapshot()) {
        assertThat(reader.isRegisteredReader()).isFalse();
        // One commit past the snapshot: nothing the snapshot reaches can have been reused yet.
        writer.alloc();
        CopyReport report = snapshot.copyTo(dir.resolve("one-behind.pages"), CopyOptions.defaults());
        assertThat(report.generation()).isEqualTo(snapshot.generation());
        // Two commits past it: the writer may reuse what the snapshot reaches (it knows of no
        // reader in another pager), so a copy could mix commits and is refused.
        writer.alloc();
        assertThatThrownBy(() -> snapshot.copyTo(dir.resolve("two-behind.pages"), CopyOptions.defaults()))
            .isInstanceOf(StaleViewException.class)
            .hasMessageContaining("generation " + snapshot.generation());
      }
    }
    try (Pager copy = Pager.open(dir.resolve("one-behind.pages"), PagerOptions.defaults().withReadOnly(true))) {
      assertThat(copy.allocatedPages()).hasSize(10);
    }
    assertThat(Files.exists(dir.resolve("two-behind.pages"))).isFalse();
    // A read-only open registers in the lock file, which it creates beside the copy.
    assertThat(leftovers())
        .containsExactlyInAnyOrder("shared.pages", "shared.pages-lock", "one-behind.pages", "one-behind.pages-lock");
  }

  @Test
  void aClosedSnapshotIsNotCopied() throws IOException {
    try (Pager pager = Pager.create(dir.resolve("p.pages"), PagerOptions.defaults())) {
      Snapshot snapshot = pager.snapshot();
      snapshot.close();
      assertThatThrownBy(() -> snapshot.copyTo(dir.resolve("c.pages"), CopyOptions.defaults()))
          .isInstanceOf(IllegalStateException.class);
    }
    assertThat(Files.exists(dir.resolve("c.pages"))).isFalse();
  }

  private List<String> leftovers() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(path -> path.getFileName().toString()).toList();
    }
  }

  private static int readInt(Path file, long offset) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer four = ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
      channel.read(four, offset);
      return four.getInt(0);
    }
  }

  /** Inverts one byte of a closed file: damage for a checksum to find. Shared by the tests of this package. */
  static void flipByte(Path file, long offset) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer one = ByteBuffer.allocate(1);
      channel.read(one, offset);
      one.put(0, (byte) ~one.get(0));
      one.rewind();
      channel.write(one, offset);
    }
  }
}
