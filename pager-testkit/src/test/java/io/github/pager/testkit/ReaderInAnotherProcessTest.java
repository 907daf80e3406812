package io.github.pager.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pager.core.Durability;
import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.Transaction;
import io.github.pager.testkit.process.ChildJvm;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A read-only pager in another process holds an old commit while the writer here frees
 * everything that commit reaches and commits on: the writer hands out none of those pages, and
 * the reader keeps reading exactly its commit. When the reader closes, or is killed with
 * SIGKILL and so closes nothing, the writer's next transaction hands the pages out again.
 */
class ReaderInAnotherProcessTest {
  private static final PagerOptions OPTIONS = PagerOptions.defaults().withDurability(Durability.NONE);
  private static final int PAGES = 50;
  private static final int ROUNDS = 30;

  @TempDir Path dir;

  @Test
  void aReaderKeepsItsCommitWhileTheWriterGoesOnAndGivesItBackWhenItCloses() throws Exception {
    Path file = dir.resolve("held.pages");
    try (Pager writer = Pager.create(file, OPTIONS);
        ChildJvm reader = ChildJvm.start(HeldReaderMain.class, dir.resolve("reader.out"), file.toString())) {
      Held held = holdAndWrite(writer, reader);
      reader.send("close");
      reader.awaitLine(line -> line.startsWith("CLOSED"));
      assertReclaimed(writer, held);
    }
  }

  @Test
  void aKilledReadersPagesAreReclaimedByTheWriter() throws Exception {
    Path file = dir.resolve("killed.pages");
    try (Pager writer = Pager.create(file, OPTIONS);
        ChildJvm reader = ChildJvm.start(HeldReaderMain.class, dir.resolve("reader.out"), file.toString())) {
      Held held = holdAndWrite(writer, reader);
      // SIGKILL: the reader closes nothing; the kernel drops its slot's lock with the process.
      reader.kill();
      assertReclaimed(writer, held);
    }
  }

  /** What the reader holds: its commit's pages (to be freed by the writer) and how many are held. */
  private record Held(Set<Long> freed, long pagesHeld) {}

  /**
   * Writes a commit, lets the child open it, then frees everything and commits {@link #ROUNDS}
   * times, each commit allocating and overwriting pages; checks that none of them is a page the
   * reader's commit reaches, and that the reader still sees its commit whole.
   */
  private static Held holdAndWrite(Pager writer, ChildJvm reader) throws Exception {
    List<PageId> pages = writer.allocBulk(PAGES);
    for (PageId id : pages) {
      writer.page(id).putLong(0, id.index() * 7 + 1);
    }
    setRoot(writer, 0, 4242);
    String model = HeldReaderMain.render(writer);
    Set<Long> reached = indexes(writer.allocatedPages());
    long generation = writer.generation();

    String opened = last(reader.awaitLine(line -> line.startsWith("OPENED ")));
    assertThat(opened).isEqualTo("OPENED " + generation + " true " + model + ChildJvm.END_MARK);
    assertThat(writer.liveReaders()).isEqualTo(1);
    assertThat(writer.oldestReaderGeneration()).isEqualTo(generation);

    writer.freeBulk(pages);
    for (int round = 0; round < ROUNDS; round++) {
      try (Transaction tx = writer.begin()) {
        for (PageId id : tx.allocBulk(10)) {
          assertThat(reached).as("round %d handed out a page the reader's commit reaches", round)
              .doesNotContain(id.index());
          writer.page(id).putLong(0, -1);
        }
        tx.setRoot(0, round);
        tx.commit();
      }
    }
    long pagesHeld = writer.pagesHeldForSnapshots();
    assertThat(pagesHeld).as("held for the reader").isGreaterThanOrEqualTo(PAGES);

    reader.send("render");
    String state = last(reader.awaitLine(line -> line.startsWith("STATE ") || line.startsWith("FAILED ")));
    assertThat(state).as("the reader's view after %d more commits", ROUNDS + 1)
        .isEqualTo("STATE " + generation + " " + model + ChildJvm.END_MARK);
    assertThat(writer.oldestReaderGeneration()).isEqualTo(generation);
    return new Held(indexes(pages), pagesHeld);
  }

  /**
   * The reader is gone: the writer's next transaction, by the scan it makes anyway, finds its slot
   * free and hands its pages out again.
   */
  private static void assertReclaimed(Pager writer, Held held) throws IOException {
    Set<Long> reused = indexes(writer.allocBulk((int) held.pagesHeld()));
    assertThat(reused).as("the freed pages the reader held, handed out again").containsAll(held.freed());
    assertThat(writer.pagesHeldForSnapshots()).isZero();
    assertThat(writer.liveReaders()).isZero();
    assertThat(writer.oldestReaderGeneration()).isEqualTo(Long.MAX_VALUE);
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

  private static String last(List<String> lines) {
    return lines.get(lines.size() - 1);
  }
}
