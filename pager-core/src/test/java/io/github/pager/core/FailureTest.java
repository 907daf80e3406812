package io.github.pager.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pager.core.storage.FileStorage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a failed grow and a failed sync leave behind. */
class FailureTest {
  @TempDir Path dir;

  private Path file() {
    return dir.resolve("pages.db");
  }

  private FaultyStorage storage() throws IOException {
    return new FaultyStorage(FileStorage.open(file(), false));
  }

  @Test
  void aFailedGrowRollsBackAndLeavesThePagerUsable() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults().withInitialPageCount(8))) {
      pager.alloc();
    }
    for (String failure : List.of("extend", "reserve", "map")) {
      FaultyStorage storage = storage();
      try (Pager pager = Pager.open(storage, PagerOptions.defaults())) {
        List<PageId> before = pager.allocatedPages();
        long generation = pager.generation();
        switch (failure) {
          case "extend" -> storage.failExtend = true;
          case "reserve" -> storage.failReserve = true;
          default -> storage.failMap = true;
        }
        int free = (int) pager.freePageCount();
        assertThatThrownBy(() -> pager.allocBulk(free + 50))
            .as(failure)
            .isInstanceOf(GrowFailedException.class)
            .hasMessageContaining("could not grow")
            .hasMessageContaining(file().toString());
        assertThat(pager.generation()).isEqualTo(generation);
        assertThat(pager.allocatedPages()).isEqualTo(before);
        storage.failExtend = false;
        storage.failReserve = false;
        storage.failMap = false;
        List<PageId> more = pager.allocBulk(free + 50);
        assertThat(more).hasSize(free + 50);
        pager.freeBulk(more);
        assertThat(pager.verify().problems()).isEmpty();
      }
    }
    try (Pager pager = Pager.open(file())) {
      assertThat(pager.allocatedPages()).hasSize(1);
      assertThat(pager.verify().problems()).isEmpty();
    }
  }

  @Test
  void aCreateThatFailsLeavesNoFileBehind() {
    // 2^40 pages of 64 KiB is far past any file system's largest file: growing to it fails.
    PagerOptions impossible = PagerOptions.defaults().withPageSize(65536).withSparse(true).withInitialPageCount(1L << 40);
    assertThatThrownBy(() -> Pager.create(file(), impossible)).isInstanceOf(GrowFailedException.class);
    assertThat(java.nio.file.Files.exists(file())).isFalse();
    assertThat(dir.resolve("pages.db-lock")).as("the lock file the create made").doesNotExist();
  }

  @Test
  void aFailedSyncPoisonsThePagerAndReopenRecoversTheLastDurableCommit() throws IOException {
    long kept;
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      kept = pager.alloc().index();
    }
    FaultyStorage storage = storage();
    Pager pager = Pager.open(storage, PagerOptions.defaults());
    storage.failSync = true;
    assertThatThrownBy(pager::alloc).isInstanceOf(PagerUnavailableException.class).hasMessageContaining("sync failed");
    storage.failSync = false;
    // No later call claims durability, even once the device works again.
    assertThatThrownBy(pager::alloc).isInstanceOf(PagerUnavailableException.class);
    assertThatThrownBy(pager::sync).isInstanceOf(PagerUnavailableException.class);
    assertThatThrownBy(pager::begin).isInstanceOf(PagerUnavailableException.class);
    pager.close();
    try (Pager reopened = Pager.open(file())) {
      assertThat(reopened.allocatedPages().stream().map(PageId::index).toList()).containsExactly(kept);
      assertThat(reopened.verify().problems()).isEmpty();
      reopened.alloc();
    }
  }

  @Test
  void aFailedSyncOutsideACommitPoisonsToo() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      pager.alloc();
    }
    FaultyStorage storage = storage();
    try (Pager pager = Pager.open(storage, PagerOptions.defaults())) {
      storage.failSync = true;
      assertThatThrownBy(pager::sync).isInstanceOf(PagerUnavailableException.class);
      storage.failSync = false;
      assertThatThrownBy(pager::alloc).isInstanceOf(PagerUnavailableException.class);
    }
  }
}
