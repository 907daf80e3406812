package io.github.pager.protectedpages;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pager.core.CompactionReport;
import io.github.pager.core.PageFileCompaction;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.testkit.CrashCheck;
import io.github.pager.testkit.CrashExplorer;
import io.github.pager.testkit.CrashWorkload;
import io.github.pager.testkit.SimulatedStorage;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * Crashes {@link PageFileCompaction} before and after every storage call (its commits, syncs and
 * the final cut) on a file whose free-space tree node and protected pages lie past the last user
 * page, and checks every image a power loss there could leave: it opens, the free-space tree and
 * the protected pages verify, every user page holds its bytes under its index, every protected
 * page holds its content and version under its id, and every allocated page is one of theirs
 * (nothing leaked). Compacting the crash image again ends at the same length as a compaction that
 * never crashed.
 *
 * <p>The explorer prints its seed; rerun with {@code -Dpager.seed=N}.
 */
class CompactionCrashTest {
  /** Small pages keep the file, and so every crash image, to a few hundred KiB. */
  private static final PagerOptions OPTIONS = PagerOptions.defaults().withPageSize(1024);

  private static final long CAPACITY = 4L << 20;

  @Test
  void aCrashAnywhereLeavesEveryPageWhereItWasAndCompactingAgainFinishes() throws IOException {
    SimulatedStorage storage = SimulatedStorage.builder().capacity(CAPACITY).build();
    FragmentedFile.Content content;
    try (Pager pager = Pager.create(storage, OPTIONS)) {
      content = FragmentedFile.build(pager);
    }
    byte[] fragmented = storage.durableImage();
    long lastUser = FragmentedFile.lastUserPage(content);
    long compactLength = (lastUser + 1) * OPTIONS.pageSize();

    CrashWorkload<FragmentedFile.Content> workload = context -> {
      // Compaction changes where pages lie, never what a reader finds: every state it passes
      // through, and the one it ends at, hold the same content.
      context.inFlight(content);
      CompactionReport report = PageFileCompaction.compact(context.storage(), FragmentedFile.LAYERS);
      assertThat(report.bytesAfter()).as("compaction without a crash").isEqualTo(compactLength);
      context.acknowledge(content);
    };
    CrashCheck<FragmentedFile.Content> check = (crashed, expected) -> {
      byte[] image = crashed.durableImage();
      crashed.close();
      expected.require(openAndRead(image));
      SimulatedStorage again = storageOf(image);
      PageFileCompaction.compact(again, FragmentedFile.LAYERS);
      byte[] finished = again.durableImage();
      assertThat((long) finished.length).as("compacting the crash image again").isEqualTo(compactLength);
      expected.require(openAndRead(finished));
    };
    CrashExplorer.of("compaction", workload, check)
        .withCapacity(CAPACITY)
        .startingFrom(fragmented)
        .explore()
        .assertNoViolations();
  }

  /** A clean storage holding the image; no larger, since neither a reader nor compaction grows it. */
  private static SimulatedStorage storageOf(byte[] image) {
    return SimulatedStorage.builder().capacity(Math.max(image.length, SimulatedStorage.DEFAULT_OS_PAGE_SIZE))
        .buildFrom(image);
  }

  /** What the image opens at, read-only; the tree and the protected pages must verify. */
  private static FragmentedFile.Content openAndRead(byte[] image) throws IOException {
    try (Pager pager = Pager.open(storageOf(image), OPTIONS.withReadOnly(true))) {
      assertThat(pager.verify().problems()).isEmpty();
      ProtectedPageAllocator.open(pager, FragmentedFile.BASE).verify();
      return FragmentedFile.read(pager);
    }
  }
}
