package io.github.pager.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pager.core.storage.FileStorage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The flight recorder events a user records with the JDK's own tools, read back from a real
 * recording file: what a commit wrote and synced, each sync and growth, and what open recovered.
 * The expected values come from FORMAT.md: create writes record A (generation 1) and syncs twice,
 * the whole file and then the superblock; a commit writes the other copy, one generation more,
 * after a sync of the whole file (step 3), and then syncs that copy's page (step 5).
 */
class PagerEventsTest {
  private static final int PAGE = 4096;
  private static final List<String> EVENTS = List.of("Commit", "Sync", "Grow", "Open", "Recovery");

  @TempDir Path dir;

  /** The work a recording covers. */
  @FunctionalInterface
  private interface Work {
    void run() throws IOException;
  }

  /** Records every pager event while {@code work} runs; returns those about {@code file}, in order. */
  private List<RecordedEvent> record(Path file, Work work) throws IOException {
    Path out = dir.resolve("recording-" + System.nanoTime() + ".jfr");
    try (Recording recording = new Recording()) {
      for (String event : EVENTS) {
        recording.enable("io.github.pager." + event).withoutStackTrace();
      }
      recording.start();
      work.run();
      recording.stop();
      recording.dump(out);
    }
    return RecordingFile.readAllEvents(out).stream()
        .filter(event -> file.toString().equals(event.getString("file")))
        .sorted(Comparator.comparing(RecordedEvent::getStartTime))
        .toList();
  }

  private static List<RecordedEvent> named(List<RecordedEvent> events, String name) {
    return events.stream().filter(event -> event.getEventType().getName().equals("io.github.pager." + name)).toList();
  }

  @Test
  void aDurableCommitWritesOneLeafAndOneRecordAndSyncsTwice() throws IOException {
    Path file = dir.resolve("pages.db");
    List<RecordedEvent> events =
        record(file, () -> {
          try (Pager pager = Pager.create(file, PagerOptions.defaults())) {
            for (int i = 0; i < 3; i++) {
              pager.alloc();
            }
          }
        });

    // A one-leaf tree (create makes 16 pages, far fewer than a leaf covers): each commit copies
    // the leaf to a fresh page, and the replaced leaf page fits the record's inline pending runs.
    List<RecordedEvent> commits = named(events, "Commit");
    assertThat(commits).extracting(event -> event.getLong("generation")).containsExactly(2L, 3L, 4L);
    for (RecordedEvent commit : commits) {
      assertThat(commit.getBoolean("recordWritten")).isTrue();
      assertThat(commit.getInt("nodePages")).isEqualTo(1);
      assertThat(commit.getInt("chainPages")).isZero();
      assertThat(commit.getInt("pagesWritten")).isEqualTo(2);
      assertThat(commit.getBoolean("superblockRewritten")).isFalse();
      assertThat(commit.getInt("syncs")).isEqualTo(2);
      assertThat(commit.getString("durability")).isEqualTo("SYNC");
    }

    // Create's two syncs; each commit's whole-file sync and then its record's page, B, A, B;
    // close's sync of page writes.
    assertThat(named(events, "Sync"))
        .extracting(
            event -> event.getString("covers"), event -> event.getBoolean("wholeFile"), event -> event.getLong("offset"),
            event -> event.getLong("length"), event -> event.getBoolean("failed"))
        .containsExactly(
            sync("create: first tree leaf and record", true, 0, 0),
            sync("create: superblock", false, 0, PAGE),
            sync("commit: new nodes and page writes", true, 0, 0),
            sync("commit: metadata record", false, Format.METADATA_B_PAGE * PAGE, PAGE),
            sync("commit: new nodes and page writes", true, 0, 0),
            sync("commit: metadata record", false, Format.METADATA_A_PAGE * PAGE, PAGE),
            sync("commit: new nodes and page writes", true, 0, 0),
            sync("commit: metadata record", false, Format.METADATA_B_PAGE * PAGE, PAGE),
            sync("close: page writes", true, 0, 0));

    List<RecordedEvent> opens = named(events, "Open");
    assertThat(opens).hasSize(1);
    RecordedEvent open = opens.get(0);
    assertThat(open.getBoolean("created")).isTrue();
    assertThat(open.getLong("generation")).isEqualTo(1);
    assertThat(open.getLong("pageCount")).isEqualTo(PagerOptions.DEFAULT_INITIAL_PAGE_COUNT);
    assertThat(open.getInt("pageSize")).isEqualTo(PAGE);
    assertThat(open.getBoolean("fellBack")).isFalse();
    assertThat(open.getString("recovery")).isEmpty();
    assertThat(named(events, "Recovery")).isEmpty();
  }

  private static org.assertj.core.groups.Tuple sync(String covers, boolean wholeFile, long offset, long length) {
    return org.assertj.core.groups.Tuple.tuple(covers, wholeFile, offset, length, false);
  }

  @Test
  void aGrowthNamesTheOldAndNewPageCountsAndTheCommitAfterItCountsThem() throws IOException {
    Path file = dir.resolve("pages.db");
    List<RecordedEvent> events =
        record(file, () -> {
          try (Pager pager = Pager.create(file, PagerOptions.defaults())) {
            try (Transaction tx = pager.begin()) {
              tx.ensurePageCount(1000);
              tx.commit();
            }
          }
        });

    assertThat(named(events, "Grow"))
        .extracting(
            event -> event.getLong("oldPageCount"), event -> event.getLong("newPageCount"),
            event -> event.getBoolean("reserved"), event -> event.getBoolean("failed"))
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(0L, PagerOptions.DEFAULT_INITIAL_PAGE_COUNT, true, false),
            org.assertj.core.groups.Tuple.tuple(PagerOptions.DEFAULT_INITIAL_PAGE_COUNT, 1000L, true, false));
    assertThat(named(events, "Grow").get(1).getLong("extendedBy")).isGreaterThanOrEqualTo((1000L - 16) * PAGE);
    List<RecordedEvent> commits = named(events, "Commit");
    assertThat(commits).hasSize(1);
    assertThat(commits.get(0).getLong("generation")).isEqualTo(2);
    // The growth happened inside the commit's transaction, before the commit began.
    assertThat(named(events, "Grow").get(1).getStartTime()).isBefore(commits.get(0).getStartTime());
  }

  @Test
  void aCommitThatChangesNothingSyncsOnceAndWritesNoRecord() throws IOException {
    Path file = dir.resolve("pages.db");
    try (Pager pager = Pager.create(file, PagerOptions.defaults())) {
      List<RecordedEvent> events =
          record(file, () -> {
            try (Transaction tx = pager.begin()) {
              tx.commit();
            }
          });
      List<RecordedEvent> commits = named(events, "Commit");
      assertThat(commits).hasSize(1);
      assertThat(commits.get(0).getBoolean("recordWritten")).isFalse();
      assertThat(commits.get(0).getLong("generation")).isEqualTo(1);
      assertThat(commits.get(0).getInt("pagesWritten")).isZero();
      assertThat(commits.get(0).getInt("syncs")).isEqualTo(1);
      assertThat(named(events, "Sync")).extracting(event -> event.getString("covers"))
          .containsExactly("empty commit: page writes");
    }
  }

  @Test
  void aFailedSyncIsRecordedAsFailedAndItsCommitIsNot() throws IOException {
    Path file = dir.resolve("pages.db");
    try (Pager pager = Pager.create(file, PagerOptions.defaults())) {
      pager.alloc();
    }
    FaultyStorage storage = new FaultyStorage(FileStorage.open(file, false));
    try (Pager pager = Pager.open(storage, PagerOptions.defaults())) {
      List<RecordedEvent> events =
          record(file, () -> {
            storage.failSync = true;
            assertThatThrownBy(pager::alloc).isInstanceOf(PagerUnavailableException.class);
          });
      assertThat(named(events, "Commit")).isEmpty();
      assertThat(named(events, "Sync"))
          .extracting(event -> event.getString("covers"), event -> event.getBoolean("failed"))
          .containsExactly(org.assertj.core.groups.Tuple.tuple("commit: new nodes and page writes", true));
      assertThat(pager.counters().syncs()).as("the failed sync was issued").isEqualTo(1);
      assertThat(pager.counters().commits()).isZero();
    }
  }

  @Test
  void anOpenThatFallsBackNamesTheRejectedGenerationAndWhy() throws IOException {
    Path file = twoCommits();
    // The newest record (generation 3, in copy A) passes its CRC, but its tree root does not.
    long root = readLong(file, Format.METADATA_A_PAGE * PAGE + Format.MD_TREE_ROOT);
    flipByte(file, root * PAGE + Format.NODE_BODY + 100);

    List<RecordedEvent> events =
        record(file, () -> {
          try (Pager pager = Pager.open(file)) {
            assertThat(pager.openedFromAlternate()).isTrue();
            assertThat(pager.counters().openFallbacks()).isEqualTo(1);
          }
        });

    RecordedEvent open = named(events, "Open").get(0);
    assertThat(open.getBoolean("created")).isFalse();
    assertThat(open.getBoolean("readOnly")).isFalse();
    assertThat(open.getBoolean("fellBack")).isTrue();
    assertThat(open.getLong("generation")).isEqualTo(2);
    assertThat(open.getString("recovery")).startsWith("copy A (page 1, generation 3): ");
    List<RecordedEvent> recoveries = named(events, "Recovery");
    assertThat(recoveries).hasSize(1);
    RecordedEvent recovery = recoveries.get(0);
    assertThat(recovery.getBoolean("fellBack")).isTrue();
    assertThat(recovery.getLong("generation")).isEqualTo(2);
    assertThat(recovery.getLong("rejectedGeneration")).isEqualTo(3);
    assertThat(recovery.getBoolean("superblockRecovered")).isFalse();
    assertThat(recovery.getString("problems")).isEqualTo(open.getString("recovery"));
  }

  @Test
  void anOpenThatPassesOverATornRecordIsARecoveryButNotAFallback() throws IOException {
    Path file = twoCommits();
    flipByte(file, Format.METADATA_A_PAGE * PAGE + Format.MD_FREE_COUNT);

    List<RecordedEvent> events =
        record(file, () -> {
          try (Pager pager = Pager.open(file, PagerOptions.defaults().withReadOnly(true))) {
            assertThat(pager.counters().openFallbacks()).isZero();
          }
        });

    RecordedEvent open = named(events, "Open").get(0);
    assertThat(open.getBoolean("readOnly")).isTrue();
    assertThat(open.getBoolean("fellBack")).isFalse();
    assertThat(open.getLong("generation")).isEqualTo(2);
    assertThat(open.getString("recovery")).startsWith("copy A (page 1): ");
    RecordedEvent recovery = named(events, "Recovery").get(0);
    assertThat(recovery.getBoolean("fellBack")).isFalse();
    assertThat(recovery.getLong("rejectedGeneration")).isZero();
    assertThat(recovery.getLong("generation")).isEqualTo(2);
  }

  @Test
  void aCleanOpenIsNoRecoveryEvenWhenCreateNeverWroteTheSecondCopy() throws IOException {
    Path fresh = dir.resolve("fresh.db");
    Pager.create(fresh, PagerOptions.defaults()).close();
    Path used = twoCommits();

    List<RecordedEvent> freshEvents = record(fresh, () -> Pager.open(fresh).close());
    List<RecordedEvent> usedEvents = record(used, () -> Pager.open(used).close());

    assertThat(named(freshEvents, "Open")).singleElement()
        .satisfies(open -> assertThat(open.getString("recovery")).isEmpty());
    assertThat(named(usedEvents, "Open")).singleElement()
        .satisfies(open -> assertThat(open.getLong("generation")).isEqualTo(3));
    assertThat(named(freshEvents, "Recovery")).isEmpty();
    assertThat(named(usedEvents, "Recovery")).isEmpty();
  }

  /** A closed file at generation 3: record A holds it, record B generation 2. */
  private Path twoCommits() throws IOException {
    Path file = dir.resolve("two-commits.db");
    try (Pager pager = Pager.create(file, PagerOptions.defaults())) {
      pager.alloc();
      pager.alloc();
    }
    return file;
  }

  private static void flipByte(Path file, long offset) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer one = ByteBuffer.allocate(1);
      channel.read(one, offset);
      one.put(0, (byte) (one.get(0) ^ 0x10));
      channel.write(one.rewind(), offset);
    }
  }

  private static long readLong(Path file, long offset) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      channel.read(b, offset);
      return b.getLong(0);
    }
  }
}
