package io.github.pager.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pager.core.PagerOptions;
import io.github.pager.core.storage.ForwardingStorage;
import io.github.pager.core.storage.Storage;
import org.junit.jupiter.api.Test;

/**
 * The kit must bite: each deliberately broken pager or workload below is caught, with a report
 * that names the crash point, the seed and the choices, and that replays as one call.
 */
class ExplorerCatchesBugsTest {
  private static final PagerOptions OPTIONS = PagerOptions.defaults().withPageSize(1024);
  private static final long SEED = CrashExplorer.defaultSeed();

  /** Explores, asserts that a violation was found, and replays the first one by its report. */
  private static <S> CrashReport assertCaught(CrashExplorer<S> explorer) {
    CrashExploration result = explorer.explore();
    assertThat(result.violations()).as("violations found by " + result).isNotEmpty();
    assertThatThrownBy(result::assertNoViolations).isInstanceOf(CrashViolation.class).hasMessageContaining("replay");
    CrashReport report = result.violations().get(0);
    assertThat(report.replayCode()).contains(".replay(" + report.point().number() + ", " + report.imageNumber() + ")");
    assertThat(report.toString()).contains("seed " + explorer.seed()).contains("dirty pages: ");
    assertThatThrownBy(() -> explorer.withSeed(report.seed()).replay(report.point().number(), report.imageNumber()))
        .as("replaying " + report.replayCode())
        .isInstanceOf(CrashViolation.class);
    System.out.println("[caught as expected] " + report.point() + ", image " + report.imageNumber() + ": " + report.failure());
    return report;
  }

  @Test
  void theRealPagerOverAStorageThatDropsSyncAllIsCaught() {
    PagerWorkload workload =
        PagerWorkload.of(OPTIONS, 20, PagerWorkload.Operation.ALLOC, PagerWorkload.Operation.FREE)
            .withStorageWrapper(SyncAllDroppingStorage::new);
    assertCaught(CrashExplorer.of("pager without the sync before the flip", workload, PagerCheck.standard(OPTIONS)).withSeed(SEED));
  }

  @Test
  void theCorrectToyPasses() {
    CrashExplorer.of("correct toy", ToyPager.workload(ToyPager.Flaws.NONE, 20), ToyPager.check(ToyPager.Flaws.NONE))
        .withSeed(SEED)
        .withRandomImages(20)
        .explore()
        .assertNoViolations();
  }

  @Test
  void aToyThatSkipsTheSyncBeforeTheFlipIsCaught() {
    ToyPager.Flaws flaws = new ToyPager.Flaws(false, true, 0);
    assertCaught(CrashExplorer.of("toy without sync before flip", ToyPager.workload(flaws, 10), ToyPager.check(flaws)).withSeed(SEED));
  }

  @Test
  void aToyThatWritesItsActiveMetadataInPlaceIsCaught() {
    ToyPager.Flaws flaws = new ToyPager.Flaws(true, false, 0);
    assertCaught(CrashExplorer.of("toy writing in place", ToyPager.workload(flaws, 10), ToyPager.check(flaws)).withSeed(SEED));
  }

  @Test
  void aToyWhosePointerStraddlesTwoSectorsIsCaught() {
    ToyPager.Flaws flaws = new ToyPager.Flaws(false, false, 504);
    CrashReport report = assertCaught(
        CrashExplorer.of("toy with a straddling pointer", ToyPager.workload(flaws, 10), ToyPager.check(flaws)).withSeed(SEED));
    assertThat(report.choices()).contains("torn");
  }

  @Test
  void aWorkloadThatAcknowledgesBeforeTheCommitIsCaught() {
    CrashWorkload<Long> eager = context -> {
      context.inFlight(0L);
      try (ToyPager toy = ToyPager.create(context.storage(), ToyPager.Flaws.NONE)) {
        context.acknowledge(0L);
        for (long v = 1; v <= 5; v++) {
          context.acknowledge(v);   // the bug: claims durability before committing
          toy.commit(v);
        }
      }
    };
    assertCaught(CrashExplorer.of("eager acknowledgement", eager, ToyPager.check(ToyPager.Flaws.NONE)).withSeed(SEED));
  }

  /** A storage whose syncAll does nothing: a pager over it skips the sync before the flip. */
  private static final class SyncAllDroppingStorage extends ForwardingStorage {
    SyncAllDroppingStorage(Storage delegate) {
      super(delegate);
    }

    @Override
    public String describe() {
      return super.describe() + " (syncAll dropped)";
    }

    @Override
    public void syncAll() {
      // The bug under test: nothing reaches the disk before the superblock flip.
    }
  }
}
