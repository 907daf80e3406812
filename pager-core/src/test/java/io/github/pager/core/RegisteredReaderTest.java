package io.github.pager.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A read-only pager registered in the reader table keeps its commit while a writer goes on, moves
 * on with {@code refresh()}, and lets go of it when it closes. Writer and readers share this JVM
 * here (the table then tells slots apart through the JVM's own lock table); the test kit runs the
 * same against readers in other processes, and kills them.
 */
class RegisteredReaderTest {
  private static final PagerOptions FAST = PagerOptions.defaults().withDurability(Durability.NONE);
  private static final PagerOptions READ_ONLY = PagerOptions.defaults().withReadOnly(true);

  @TempDir Path dir;

  @Test
  void aReaderKeepsItsCommitWhileTheWriterFreesAndRewritesAndReleasesItWhenClosed() throws IOException {
    Path path = dir.resolve("pages.db");
    try (Pager writer = Pager.create(path, FAST)) {
      List<PageId> pages = writer.allocBulk(50);
      for (PageId id : pages) {
        writer.page(id).putLong(0, id.index() * 7);
      }
      try (Transaction tx = writer.begin()) {
        tx.setRoot(0, 4242);
        tx.bitmap(4).set(99);
        tx.commit();
      }
      Set<Long> allocatedThen = indexes(writer.allocatedPages());
      long generation = writer.generation();
      long heldWhileReading;
      try (Pager reader = Pager.open(path, READ_ONLY)) {
        assertThat(reader.isRegisteredReader()).isTrue();
        assertThat(reader.generation()).isEqualTo(generation);
        assertThat(writer.liveReaders()).isEqualTo(1);
        assertThat(writer.oldestReaderGeneration()).isEqualTo(generation);
        assertThat(reader.liveReaders()).as("a reader does not count itself").isZero();

        writer.freeBulk(pages);
        for (int round = 0; round < 20; round++) {
          try (Transaction tx = writer.begin()) {
            for (PageId id : tx.allocBulk(10)) {
              assertThat(allocatedThen).as("round %d handed out a page the reader's commit reaches", round)
                  .doesNotContain(id.index());
              writer.page(id).putLong(0, -1);
            }
            tx.setRoot(0, round);
            tx.bitmap(4).set(1000 + round);
            tx.commit();
          }
        }
        assertThat(writer.generation()).isGreaterThan(generation + 20);
        assertThat(reader.root(0)).isEqualTo(4242);
        assertThat(reader.readBitmap(4).get(99)).isTrue();
        assertThat(reader.readBitmap(4).get(1000)).isFalse();
        assertThat(indexes(reader.allocatedPages())).isEqualTo(allocatedThen);
        for (PageId id : pages) {
          assertThat(reader.page(reader.pageId(id.index())).getLong(0)).isEqualTo(id.index() * 7);
        }
        assertThat(reader.verify().problems()).isEmpty();
        heldWhileReading = writer.pagesHeldForSnapshots();
        assertThat(heldWhileReading).isGreaterThanOrEqualTo(pages.size());
        assertThat(writer.oldestSnapshotGeneration()).as("no snapshot of the writer's own").isEqualTo(Long.MAX_VALUE);
      }
      assertThat(writer.liveReaders()).isZero();
      assertThat(writer.oldestReaderGeneration()).isEqualTo(Long.MAX_VALUE);
      // The reader closed: the next transaction hands its pages out again, lowest first.
      Set<Long> again = indexes(writer.allocBulk((int) heldWhileReading));
      assertThat(again).containsAll(indexes(pages));
      assertThat(writer.pagesHeldForSnapshots()).isZero();
    }
  }

  @Test
  void refreshMovesAReaderToTheNewestCommitAndTheWriterOnWithIt() throws IOException {
    Path path = dir.resolve("refresh.db");
    try (Pager writer = Pager.create(path, FAST);
        Pager reader = Pager.open(path, READ_ONLY)) {
      long first = reader.generation();
      assertThat(reader.refresh()).as("nothing new yet").isFalse();
      List<PageId> pages = writer.allocBulk(3000); // grows the file and its mapping
      try (Transaction tx = writer.begin()) {
        tx.setRoot(1, 77);
        tx.array(2, 16).set(5, new long[] {5, 6});
        tx.commit();
      }
      assertThat(reader.generation()).isEqualTo(first);
      assertThat(reader.pageCount()).isLessThan(writer.pageCount());
      assertThat(writer.oldestReaderGeneration()).isEqualTo(first);

      assertThat(reader.refresh()).isTrue();
      assertThat(reader.generation()).isEqualTo(writer.generation());
      assertThat(reader.pageCount()).isEqualTo(writer.pageCount());
      assertThat(reader.root(1)).isEqualTo(77);
      assertThat(reader.readArray(2, 16).get(5)).containsExactly(5, 6);
      assertThat(reader.allocatedPages()).hasSize(pages.size() + 1);
      assertThat(reader.isAllocated(reader.pageId(pages.get(2999).index()))).isTrue();
      PageId last = reader.pageId(pages.get(2999).index());
      writer.page(pages.get(2999)).putLong(8, 31);
      assertThat(reader.page(last).getLong(8)).isEqualTo(31);
      assertThat(reader.verify().problems()).isEmpty();
      assertThat(writer.oldestReaderGeneration()).isEqualTo(writer.generation());
      // The tree's nodes moved with the commits: the reader refuses views of the new ones.
      Set<Long> nodes = reader.treeNodePagesForTests();
      assertThat(nodes).isEqualTo(writer.treeNodePagesForTests());
      for (long node : nodes) {
        assertThatThrownBy(() -> reader.page(reader.pageId(node))).isInstanceOf(ReservedPageException.class);
      }
    }
  }

  @Test
  void aSnapshotOfAReaderKeepsItsCommitRegisteredAcrossRefresh() throws IOException {
    Path path = dir.resolve("snapshot.db");
    try (Pager writer = Pager.create(path, FAST);
        Pager reader = Pager.open(path, READ_ONLY)) {
      List<PageId> pages = writer.allocBulk(40);
      for (PageId id : pages) {
        writer.page(id).putLong(0, id.index() + 1000);
      }
      setRoot(writer, 3, 11);
      reader.refresh();
      long pinned = reader.generation();
      Snapshot snapshot = reader.snapshot();
      writer.freeBulk(pages);
      writer.alloc();
      reader.refresh();
      assertThat(reader.generation()).isGreaterThan(pinned);
      assertThat(writer.oldestReaderGeneration()).as("the snapshot's commit stays registered").isEqualTo(pinned);
      for (int round = 0; round < 10; round++) {
        for (PageId id : writer.allocBulk(8)) {
          assertThat(indexes(pages)).doesNotContain(id.index());
          writer.page(id).putLong(0, -1);
        }
        reader.refresh();
      }
      assertThat(snapshot.root(3)).isEqualTo(11);
      for (PageId written : pages) {
        PageId id = snapshot.pageId(written.index());
        assertThat(snapshot.isAllocated(id)).isTrue();
        assertThat(snapshot.page(id).getLong(0)).isEqualTo(written.index() + 1000);
        assertThat(reader.isAllocated(id)).isFalse();
      }
      long held = writer.pagesHeldForSnapshots();
      assertThat(held).isGreaterThanOrEqualTo(pages.size());
      snapshot.close();
      assertThat(writer.oldestReaderGeneration()).as("the reader moves on when its snapshot closes")
          .isEqualTo(reader.generation());
      assertThat(indexes(writer.allocBulk((int) held))).containsAll(indexes(pages));
      assertThat(writer.pagesHeldForSnapshots()).isZero();
    }
  }

  @Test
  void aWriterCannotRefresh() throws IOException {
    try (Pager writer = Pager.create(dir.resolve("writer.db"), FAST)) {
      assertThatThrownBy(writer::refresh)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("open for writing");
      assertThat(writer.isRegisteredReader()).isFalse();
    }
  }

  @Test
  void aFullTableRefusesTheNextReaderByName() throws IOException {
    Path path = dir.resolve("crowded.db");
    try (Pager writer = Pager.create(path, FAST)) {
      writer.alloc();
    }
    List<Pager> readers = new ArrayList<>();
    try {
      for (int i = 0; i < 126; i++) {
        readers.add(Pager.open(path, READ_ONLY));
      }
      assertThatThrownBy(() -> Pager.open(path, READ_ONLY))
          .isInstanceOf(ReaderTableFullException.class)
          .isNotInstanceOf(CompactionInProgressException.class)
          .hasMessageContaining(path.toString())
          .hasMessageContaining("126 read-only pagers open")
          .hasMessageContaining(path.toRealPath() + "-lock");
      try (Pager writer = Pager.open(path, FAST)) {
        assertThat(writer.liveReaders()).isEqualTo(126);
        writer.alloc();
      }
      readers.remove(0).close();
      try (Pager oneMore = Pager.open(path, READ_ONLY)) {
        assertThat(oneMore.isRegisteredReader()).isTrue();
      }
    } finally {
      for (Pager reader : readers) {
        reader.close();
      }
    }
  }

  /**
   * The pending list and the reader table together: a writer that restarts loads the pages its
   * last run freed, and holds them for a reader of an older commit that is still registered.
   */
  @Test
  void aReaderKeepsItsCommitWhileTheWriterRestartsAndItsCopyIsNeverStale() throws IOException {
    Path path = dir.resolve("restart.db");
    Set<Long> pages = new HashSet<>();
    try (Pager writer = Pager.create(path, FAST)) {
      for (PageId id : writer.allocBulk(50)) {
        writer.page(id).putLong(0, 3 * id.index());
        pages.add(id.index());
      }
      setRoot(writer, 0, 1);
    }
    try (Pager reader = Pager.open(path, READ_ONLY)) {
      assertThat(reader.isRegisteredReader()).isTrue();
      try (Pager writer = Pager.open(path, FAST)) {
        writer.freeBulk(pages.stream().map(writer::pageId).toList());
      }
      try (Pager writer = Pager.open(path, FAST)) {
        assertThat(writer.oldestReaderGeneration()).isEqualTo(reader.generation());
        for (int round = 0; round < 20; round++) {
          try (Transaction tx = writer.begin()) {
            for (PageId id : tx.allocBulk(10)) {
              assertThat(pages).as("round %d after the restart handed out a page the reader reaches", round)
                  .doesNotContain(id.index());
              writer.page(id).putLong(0, -1);
            }
            tx.commit();
          }
        }
        assertThat(writer.generation()).isGreaterThan(reader.generation() + 20);
        PendingPages pending = writer.pendingPages();
        assertThat(pending.heldForReaders()).as("held for the reader, as the file says").isGreaterThanOrEqualTo(50);
        assertThat(pending.pending()).isGreaterThanOrEqualTo(pending.heldForReaders());
        assertThat(reader.pendingPages().heldForReaders()).as("a reader's own commit holds nothing for itself").isZero();
      }
      for (long index : pages) {
        assertThat(reader.page(reader.pageId(index)).getLong(0)).isEqualTo(3 * index);
      }
      try (Snapshot snapshot = reader.snapshot()) {
        CopyReport copy = snapshot.copyTo(dir.resolve("copy.db"), CopyOptions.defaults());
        assertThat(copy.generation()).isEqualTo(reader.generation());
      }
    }
    try (Pager copy = Pager.open(dir.resolve("copy.db"), READ_ONLY)) {
      assertThat(copy.allocatedPages().stream().map(PageId::index).toList()).containsExactlyInAnyOrderElementsOf(pages);
      assertThat(copy.verify().problems()).isEmpty();
    }
  }

  /**
   * The newest record's tree root is damaged, so open falls back to the commit before: the newest
   * valid generation stays ahead of the commit read, which registration took for a commit
   * slipping in, forever.
   */
  @Test
  void aReadOnlyOpenThatFallsBackRegistersAndReturns() throws IOException {
    Path path = dir.resolve("fallback.db");
    try (Pager writer = Pager.create(path, FAST)) {
      try (Transaction tx = writer.begin()) {
        tx.setRoot(0, 1);
        tx.alloc();
        tx.commit();
      }
      writer.alloc(); // a commit that moves the tree root, which then rots
    }
    NodeRot.freeSpaceTree(path).rotRoot();
    try (Pager reader = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
        java.time.Duration.ofSeconds(30), () -> Pager.open(path, READ_ONLY))) {
      assertThat(reader.openedFromAlternate()).isTrue();
      assertThat(reader.isRegisteredReader()).isTrue();
      assertThat(reader.root(0)).isEqualTo(1);
    }
  }

  @Test
  void aReaderWhoseLockFileCannotBeOpenedReadsUnregistered() throws IOException {
    Path path = dir.resolve("unregistered.db");
    try (Pager writer = Pager.create(path, FAST)) {
      setRoot(writer, 0, 5);
    }
    // Tests run as root here, so a read-only directory would not stop us; a directory in the
    // lock file's place does.
    Path lockFile = dir.resolve("unregistered.db-lock");
    Files.delete(lockFile);
    Files.createDirectory(lockFile);
    try (Pager reader = Pager.open(path, READ_ONLY)) {
      assertThat(reader.isRegisteredReader()).isFalse();
      assertThat(reader.root(0)).isEqualTo(5);
      assertThat(reader.refresh()).isFalse();
      assertThat(reader.liveReaders()).isZero();
    }
  }

  @Test
  void aReadOnlyOpenOfAFileThatIsNotAPageFileMakesNoLockFile() throws IOException {
    Path foreign = Files.writeString(dir.resolve("notes.txt"), "no page file here ".repeat(300));
    assertThatThrownBy(() -> Pager.open(foreign, READ_ONLY)).isInstanceOf(NotAPageFileException.class);
    assertThat(dir.resolve("notes.txt-lock")).doesNotExist();
  }

  private static void setRoot(Pager writer, int slot, long value) throws IOException {
    try (Transaction tx = writer.begin()) {
      tx.setRoot(slot, value);
      tx.commit();
    }
  }

  private static Set<Long> indexes(List<PageId> ids) {
    Set<Long> set = new HashSet<>();
    for (PageId id : ids) {
      set.add(id.index());
    }
    return set;
  }
}
