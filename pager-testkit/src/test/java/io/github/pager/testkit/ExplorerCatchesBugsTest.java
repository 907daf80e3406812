package io.github.pager.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pager.core.PagerOptions;
import io.github.pager.core.storage.ForwardingStorage;
import io.github.pager.core.storage.Storage;
import java.io.IOException;
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
    CrashExploration result = explorer.quietly().explore();
    assertThat(result.violations()).as("violations found by " + result).isNotEmpty();
    assertThatThrownBy(result::assertNoViolations).isInstanceOf(CrashViolation.class).hasMessageContaining("replay");
    CrashReport report = result.violations().get(0);
    assertThat(report.replayCode()).contains(".replay(" + report.point().number() + ", " + report.imageNumber() + ")");
    assertThat(report.toString()).contains("seed " + explorer.seed()).contains("dirty pages: ");
    assertThatThrownBy(() -> explorer.withSeed(report.seed()).replay(report.point().number(), report.imageNumber()))
        .as("replaying " + report.replayCode())
        .isInstanceOf(CrashViolation.class);
    ExpectedFinding.caught(result);
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

  /**
   * A latent read error: the disk cannot read the toy's active record. A toy that takes the
   * unreadable record for a fresh one holding 0 hands out wrong data, and is caught; the correct
   * toy refuses the file naming the page, which is a detection, not a violation.
   */
  @Test
  void aToyThatReadsAnUnreadablePageAsZerosIsCaught() throws IOException {
    SimulatedStorage storage = SimulatedStorage.create();
    int activeSlot;
    try (ToyPager toy = ToyPager.create(storage, ToyPager.Flaws.NONE)) {
      for (long value = 1; value <= 3; value++) {
        toy.commit(value);
      }
      activeSlot = toy.activeSlot();
    }
    byte[] holdingThree = storage.durableImage();
    ToyPager.Flaws flawed = ToyPager.Flaws.readingUnreadableAsZero();
    CrashExplorer<Long> explorer = unreadableRecord(flawed, holdingThree, activeSlot);
    CrashReport report = assertCaught(explorer);
    assertThat(report.failure()).hasMessageContaining("recovered a state that is neither").hasMessageContaining("0, not 3");

    // Quietly: the correct toy refuses the file, so the run acknowledges nothing and the explorer's
    // line would call it vacuous; what it must show is asserted here.
    CrashExploration correct = unreadableRecord(ToyPager.Flaws.NONE, holdingThree, activeSlot).quietly().explore();
    assertThat(correct.violations()).isEmpty();
    assertThat(correct.crashStates()).isPositive();
  }

  /**
   * A process that opens a toy holding 3 whose active record the disk cannot read, and closes it;
   * its check allows a refusal that names the unreadable record, never another value.
   */
  private static CrashExplorer<Long> unreadableRecord(ToyPager.Flaws flaws, byte[] image, int activeSlot) {
    CrashWorkload<Long> reader = context -> {
      context.assumeAcknowledged(3L);
      context.inFlight(3L);
      try (ToyPager toy = ToyPager.open(context.storage(), flaws)) {
        context.acknowledge(3L);
      } catch (IOException refused) {
        context.rolledBack();
      }
    };
    CrashCheck<Long> check = (crashed, expected) -> {
      ToyPager toy;
      try {
        toy = ToyPager.open(crashed, flaws);
      } catch (IOException refused) {
        crashed.close();
        assertThat(refused).hasMessageContaining("(page " + activeSlot + ") is unreadable");
        return;
      }
      try (toy) {
        expected.require(toy.value());
      }
    };
    return CrashExplorer.of("toy with an unreadable record", reader, check)
        .withSeed(SEED)
        .startingFrom(image)
        .withUnreadable((long) activeSlot * ToyPager.PAGE, ToyPager.PAGE);
  }

  @Test
  void aToyThatSkipsTheSyncBeforeTheFlipIsCaught() {
    ToyPager.Flaws flaws = ToyPager.Flaws.skippingSyncBeforeFlip();
    assertCaught(CrashExplorer.of("toy without sync before flip", ToyPager.workload(flaws, 10), ToyPager.check(flaws)).withSeed(SEED));
  }

  @Test
  void aToyThatWritesItsActiveMetadataInPlaceIsCaught() {
    ToyPager.Flaws flaws = ToyPager.Flaws.writingActiveInPlace();
    assertCaught(CrashExplorer.of("toy writing in place", ToyPager.workload(flaws, 10), ToyPager.check(flaws)).withSeed(SEED));
  }

  @Test
  void aToyWhosePointerStraddlesTwoSectorsIsCaught() {
    ToyPager.Flaws flaws = ToyPager.Flaws.pointerAt(504);
    CrashReport report = assertCaught(
        CrashExplorer.of("toy with a straddling pointer", ToyPager.workload(flaws, 10), ToyPager.check(flaws)).withSeed(SEED));
    assertThat(report.choices()).contains("torn");
  }

  /**
   * The toy keeps no checksums: a write the device loses while acknowledging it (here from the
   * fifth sync on) brings back old bytes that the toy takes for current, and the check sees a
   * state no commit acknowledged.
   */
  @Test
  void aToyWithoutChecksumsUnderALostWriteIsCaught() {
    assertCaught(CrashExplorer.of("toy losing a write", ToyPager.workload(ToyPager.Flaws.NONE, 10), ToyPager.check(ToyPager.Flaws.NONE))
        .withSeed(SEED)
        .withFaults(FaultPlan.none().withSeed(SEED).losingWriteAtSync(4, 5, 6, 7)));
  }

  /** The same toy, when the device writes a page to the wrong place. */
  @Test
  void aToyWithoutChecksumsUnderAMisdirectedWriteIsCaught() {
    assertCaught(CrashExplorer.of("toy misdirecting a write", ToyPager.workload(ToyPager.Flaws.NONE, 10), ToyPager.check(ToyPager.Flaws.NONE))
        .withSeed(SEED)
        .withFaults(FaultPlan.none().withSeed(SEED).misdirectingWriteAtSync(4, 5, 6, 7)));
  }

  /**
   * The toy keeps both of its records in one OS page: when a torn write of one may damage its
   * neighbour (a disk that violates power-safe overwrite), both can go at once.
   */
  @Test
  void aToyWithBothRecordsInOneOsPageUnderPowersafeOverwriteViolationsIsCaught() {
    assertCaught(CrashExplorer.of("toy on a disk without power-safe overwrite", ToyPager.workload(ToyPager.Flaws.NONE, 10), ToyPager.check(ToyPager.Flaws.NONE))
        .withSeed(SEED)
        .withRandomImages(40)
        .withFaults(FaultPlan.none().withSeed(SEED).violatingPowersafeOverwrite()));
  }

  @Test
  void theCorrectToyRefusesAfterAFailedSyncAndRecoversAfterAReboot() {
    // Syncs 0 and 1 belong to creating the file; from 2 on, each commit syncs twice.
    for (long sync = 2; sync < 12; sync++) {
      CrashExplorer.of("correct toy, sync " + sync + " fails", ToyPager.workload(ToyPager.Flaws.NONE, 10), ToyPager.check(ToyPager.Flaws.NONE))
          .withSeed(SEED)
          .withFaults(FaultPlan.none().withSeed(SEED + sync).failingSync(sync, sync + 5))
          .explore()
          .assertNoViolations();
    }
  }

  /**
   * A plan that fails a sync the workload never reaches injects nothing: the run is green and
   * tested nothing under the fault. Such an exploration fails, naming the fault and how far the
   * run got.
   */
  @Test
  void aPlannedFaultThatNeverFiresFailsTheExploration() {
    CrashExploration vacuous =
        CrashExplorer.of("correct toy, sync 500 fails", ToyPager.workload(ToyPager.Flaws.NONE, 10), ToyPager.check(ToyPager.Flaws.NONE))
            .withSeed(SEED)
            .withFaults(FaultPlan.none().withSeed(SEED).failingSync(500))
            .quietly()
            .explore();
    assertThat(vacuous.violations()).isEmpty();
    assertThat(vacuous.faultsFired()).isZero();
    assertThat(vacuous.unfiredFaults()).singleElement().asString().startsWith("sync 500 (the run made ");
    assertThatThrownBy(vacuous::assertNoViolations)
        .isInstanceOf(CrashViolation.class)
        .hasMessageContaining("never fired");
    ExpectedFinding.vacuous(vacuous);

    CrashExploration reached =
        CrashExplorer.of("correct toy, sync 3 fails", ToyPager.workload(ToyPager.Flaws.NONE, 10), ToyPager.check(ToyPager.Flaws.NONE))
            .withSeed(SEED)
            .withFaults(FaultPlan.none().withSeed(SEED).failingSync(3))
            .explore()
            .assertNoViolations();
    assertThat(reached.faultsFired()).isEqualTo(1);
    assertThat(reached.unfiredFaults()).isEmpty();
  }

  @Test
  void aToyThatKeepsWorkingAfterAFailedSyncIsCaught() {
    ToyPager.Flaws flaws = ToyPager.Flaws.keepingWorkingAfterFailedSync();
    for (long sync : new long[] {2, 3}) { // the sync before the flip, and the flip's own
      CrashExplorer<Long> explorer =
          CrashExplorer.of("toy that keeps working, sync " + sync + " fails", ToyPager.workload(flaws, 10), ToyPager.check(flaws))
              .withSeed(SEED)
              .withFaults(FaultPlan.none().withSeed(SEED).failingSync(sync));
      assertThatThrownBy(explorer::explore)
          .isInstanceOf(AssertionError.class)
          .hasMessageContaining("replay with -Dpager.seed=" + SEED)
          .rootCause()
          .hasMessageContaining("kept working after a failed sync");
    }
  }

  @Test
  void theRealPagerOverAStorageThatRetriesFailedSyncsIsCaught() {
    // The classic fsync retry: the kernel marked the failed pages clean, so the retry succeeds
    // and the pager, never told, acknowledges commits whose pages may not be on disk. Every
    // third sync fails and the retry (the next sync) succeeds, so the pager never sees a failure.
    PagerWorkload workload =
        PagerWorkload.of(OPTIONS, 40, PagerWorkload.Operation.ALLOC, PagerWorkload.Operation.FREE, PagerWorkload.Operation.WRITE_AND_SYNC)
            .withStorageWrapper(SyncRetryingStorage::new);
    long[] failing = new long[20];
    for (int k = 0; k < failing.length; k++) {
      failing[k] = 2 + 3L * k;
    }
    assertCaught(CrashExplorer.of("pager over a storage that retries failed syncs", workload, PagerCheck.standard(OPTIONS))
        .withSeed(SEED)
        .withFaults(FaultPlan.none().withSeed(SEED).failingSync(failing)));
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

  /** A storage that retries a failed sync once and reports success when the retry succeeds. */
  private static final class SyncRetryingStorage extends ForwardingStorage {
    SyncRetryingStorage(Storage delegate) {
      super(delegate);
    }

    @Override
    public void sync(long offset, long length) throws IOException {
      try {
        super.sync(offset, length);
      } catch (IOException e) {
        super.sync(offset, length); // the bug under test: the failure is forgotten
      }
    }

    @Override
    public void syncAll() throws IOException {
      try {
        super.syncAll();
      } catch (IOException e) {
        super.syncAll();
      }
    }
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
