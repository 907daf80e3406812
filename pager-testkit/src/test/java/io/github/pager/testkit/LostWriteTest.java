package io.github.pager.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * What the pager does when the device loses a write it acknowledged ({@link
 * FaultPlan#losingWriteAtSync}): the page cache keeps the new content, so the loss shows after a
 * power loss, here a {@link SimulatedStorage#reboot()}.
 *
 * <p>Syncs are counted from 0: creating a file syncs twice (0: the tree and record A, 1: the
 * superblock), and each commit twice (the new pages, then its record). With 4 KiB pages, one OS
 * page holds one pager page, and a commit that allocates without writing the page dirties only
 * its new free-space tree leaf before its first sync, and only its record before its second.
 */
class LostWriteTest {
  private static final PagerOptions OPTIONS = PagerOptions.defaults();

  /** Creates a file and makes two allocating commits (generations 2 and 3, syncs 2 to 5); returns the reboot. */
  private static SimulatedStorage twoCommitsThenPowerLoss(FaultPlan faults) throws IOException {
    SimulatedStorage storage = SimulatedStorage.builder().faults(faults).build();
    // Not closed: the power goes out under it, and it dies with the storage.
    Pager pager = Pager.create(storage, OPTIONS);
    pager.alloc();
    pager.alloc();
    assertThat(pager.generation()).isEqualTo(3);
    assertThat(storage.faultsFired()).as("writes lost").isEqualTo(1);
    return storage.reboot();
  }

  /**
   * A lost free-space tree node: the newest record's root CRC no longer matches, so open uses the
   * commit before, and says so. Detected, with a fallback to a whole older state.
   */
  @Test
  void aLostTreeNodeIsDetectedAndOpenFallsBackToTheCommitBefore() throws IOException {
    try (Pager pager = Pager.open(twoCommitsThenPowerLoss(FaultPlan.none().losingWriteAtSync(4)), OPTIONS)) {
      assertThat(pager.openedFromAlternate()).isTrue();
      assertThat(pager.generation()).isEqualTo(2);
      assertThat(pager.allocatedPages()).hasSize(1);
      assertThat(pager.verify().problems()).isEmpty();
    }
  }

  /**
   * A lost metadata record: the copy it should have replaced is still valid, and older. Open
   * takes the newest valid copy, the commit before, and nothing can tell: the acknowledged commit
   * is rolled back silently, to a whole state. FORMAT.md documents this as out of scope.
   */
  @Test
  void aLostRecordRollsTheFileBackOneCommitUndetected() throws IOException {
    try (Pager pager = Pager.open(twoCommitsThenPowerLoss(FaultPlan.none().losingWriteAtSync(5)), OPTIONS)) {
      assertThat(pager.openedFromAlternate()).isFalse();
      assertThat(pager.generation()).isEqualTo(2);
      assertThat(pager.allocatedPages()).hasSize(1);
      assertThat(pager.verify().problems()).isEmpty();
    }
  }

  /**
   * A lost user page: plain pages carry no checksum, so the old content comes back unnoticed.
   * Out of scope for plain pages; protected pages are the checksummed kind.
   */
  @Test
  void aLostUserPageComesBackWithItsOldContentUndetected() throws IOException {
    // Syncs 2 and 3: the allocating commit; sync 4: pager.sync() with only the user page dirty.
    SimulatedStorage storage = SimulatedStorage.builder().faults(FaultPlan.none().losingWriteAtSync(4)).build();
    Pager writer = Pager.create(storage, OPTIONS);
    PageId page = writer.alloc();
    writer.page(page).putLong(0, 42);
    writer.sync();
    assertThat(storage.faultsFired()).isEqualTo(1);
    assertThat(writer.page(page).getLong(0)).as("the page cache still holds the write").isEqualTo(42);
    // Not closed: the power goes out under it.
    try (Pager pager = Pager.open(storage.reboot(), OPTIONS)) {
      assertThat(pager.isAllocated(pager.pageId(page.index()))).isTrue();
      assertThat(pager.page(pager.pageId(page.index())).getLong(0)).isZero();
      assertThat(pager.verify().problems()).isEmpty();
    }
  }

  @Test
  void aPlannedLostWriteThatFindsNoDirtyPageIsReportedUnfired() {
    CrashExploration result = CrashExplorer.of(
            "lost write past the end", PagerWorkload.of(OPTIONS, 3, PagerWorkload.Operation.ALLOC),
            PagerCheck.standard(OPTIONS))
        .withFaults(FaultPlan.none().losingWriteAtSync(1000))
        .quietly()
        .explore();
    assertThat(result.unfiredFaults()).anyMatch(text -> text.contains("lost write"));
    assertThat(result.vacuity()).isNotEmpty();
    ExpectedFinding.vacuous(result);
  }
}
