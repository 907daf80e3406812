package io.github.pager.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pager.core.CompactionInProgressException;
import io.github.pager.core.CompactionRefusedException;
import io.github.pager.core.PageFileCompaction;
import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.testkit.process.ChildJvm;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reader registered by another process keeps compaction away: cutting the file would take pages
 * from under its mapping (a {@code SIGBUS} there). Compaction is refused, the file stays as it was,
 * byte for byte, and the reader reads on; once the reader is gone, compaction runs. The other way
 * round, a reader in another process that opens while compaction runs is refused, told that a
 * compaction holds the reader table (not that the table is full).
 */
class CompactionRefusalTest {
  @TempDir Path dir;

  @Test
  void aReaderInAnotherProcessKeepsCompactionAwayUntilItCloses() throws Exception {
    Path file = dir.resolve("held.pages");
    try (Pager writer = Pager.create(file, PagerOptions.defaults())) {
      List<PageId> pages = writer.allocBulk(100);
      for (PageId id : pages) {
        writer.page(id).putLong(0, id.index() + 1);
      }
      writer.freeBulk(pages.subList(10, 100));
    }
    byte[] before = Files.readAllBytes(file);
    try (ChildJvm reader = ChildJvm.start(HeldReaderMain.class, dir.resolve("reader.out"), file.toString())) {
      String opened = reader.awaitLine(line -> line.startsWith("OPENED")).getLast();
      assertThat(opened).as("the child registered").contains(" true ");

      assertThatThrownBy(() -> PageFileCompaction.compact(file, PageFileCompaction.Layers.NONE))
          .isInstanceOf(CompactionRefusedException.class)
          .hasMessageContaining("1 registered reader(s)")
          .hasMessageContaining(file.toString());
      assertThat(Files.readAllBytes(file)).as("nothing was written").isEqualTo(before);

      reader.send("render");
      String state = reader.awaitLine(line -> line.startsWith("STATE") || line.startsWith("FAILED")).getLast();
      assertThat(state).startsWith("STATE").isEqualTo("STATE" + opened.substring("OPENED".length()).replace(" true ", " "));
      reader.send("close");
      reader.awaitLine(line -> line.startsWith("CLOSED"));
    }
    assertThat(PageFileCompaction.compact(file, PageFileCompaction.Layers.NONE).truncated()).isTrue();
    try (Pager pager = Pager.open(file, PagerOptions.defaults().withReadOnly(true))) {
      assertThat(pager.verify().problems()).isEmpty();
      assertThat(pager.allocatedPages()).hasSize(10)
          .allMatch(id -> pager.page(id).getLong(0) == id.index() + 1);
    }
  }

  @Test
  void aReaderInAnotherProcessThatOpensDuringCompactionIsToldThatCompactionRuns() throws Exception {
    Path file = dir.resolve("compacting.pages");
    try (Pager writer = Pager.create(file, PagerOptions.defaults())) {
      List<PageId> pages = writer.allocBulk(100);
      writer.freeBulk(pages.subList(10, 100));
    }
    List<String> answers = new ArrayList<>();
    // The layers are opened once compaction holds the reader table, before its first move.
    PageFileCompaction.compact(file, pager -> {
      answers.add(attemptToOpen(file, "during"));
      return List.of();
    });
    assertThat(answers).singleElement().asString()
        .startsWith("REFUSED " + CompactionInProgressException.class.getName() + " ")
        .contains(file.toString())
        .contains("compaction");
    assertThat(attemptToOpen(file, "after")).as("registers once compaction is done").endsWith(" true" + ChildJvm.END_MARK);
  }

  private String attemptToOpen(Path file, String when) throws IOException {
    try (ChildJvm reader = ChildJvm.start(ReaderOpenAttemptMain.class, dir.resolve("attempt-" + when + ".out"),
        file.toString())) {
      return reader.awaitLine(line -> line.startsWith("OPENED") || line.startsWith("REFUSED")).getLast();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while a reader in another process opened " + file);
    }
  }
}
