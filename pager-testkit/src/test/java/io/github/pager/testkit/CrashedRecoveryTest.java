package io.github.pager.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Crashes during recovery, and crashes again: the process that opens a crashed file is itself
 * crashed at every storage call of its open, its first commits and its close, and the file must
 * recover once more ({@link PagerCheck#crashingRecovery}). Recoveries that write are the ones at
 * risk: a file opened from its alternate copy, whose first commit overwrites the damaged newest
 * one, and a file whose damaged superblock the first commit rewrites.
 */
class CrashedRecoveryTest {
  private static final PagerOptions OPTIONS = PagerOptions.defaults().withPageSize(1024);
  private static final int PAGE = 1024;
  private static final long SEED = CrashExplorer.defaultSeed();
  private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  @Test
  void everyCrashStateRecoversAgainWhenItsRecoveryIsCrashed() {
    PagerWorkload workload = PagerWorkload.of(
        OPTIONS, 8, PagerWorkload.Operation.ALLOC, PagerWorkload.Operation.FREE_BULK, PagerWorkload.Operation.ROOTS);
    CrashExploration result = CrashExplorer.of("crashes during recovery", workload, PagerCheck.crashingRecovery(OPTIONS, 2))
        .withSeed(SEED)
        .withRandomImages(2)
        .explore()
        .assertNoViolations();
    assertThat(result.crashStates()).isPositive();
  }

  /**
   * Cycles of crash, reopen and more work: each exploration after the first starts from a crash
   * state of the one before, drawn from the seed, and crashes the next process's recovery and
   * operations at every storage call.
   */
  @Test
  void aFileRecoversFromCrashAfterCrash() throws Exception {
    PagerWorkload workload = PagerWorkload.of(OPTIONS, 8, PagerWorkload.Operation.ALLOC,
        PagerWorkload.Operation.FREE_BULK, PagerWorkload.Operation.ROOTS, PagerWorkload.Operation.SNAPSHOT,
        PagerWorkload.Operation.GROW);
    List<CrashExploration> cycles = workload.exploreCycles(
        CrashExplorer.of("crash after crash", workload, PagerCheck.standard(OPTIONS)).withSeed(SEED).withRandomImages(4), 6);
    assertThat(cycles).hasSize(6);
    assertThat(cycles.subList(1, 6)).allSatisfy(cycle -> {
      assertThat(cycle.name()).contains("cycle").contains(" from point ");
      assertThat(cycle.crashStates()).isPositive();
      assertThat(cycle.coverage().operationsAcknowledged()).isGreaterThan(8);
    });
  }

  /**
   * A recovery that is not itself crash-safe: the toy's open raises its generation, pointer
   * first. A single exploration never crashes an open, and passes; the second cycle crashes the
   * next process's open, and a crash between its two syncs leaves a file that no longer opens.
   */
  @Test
  void aRecoveryThatIsNotCrashSafeIsCaughtByCrashAfterCrash() throws Exception {
    ModelWorkload<Long, ToyPager.Target> correct = ToyPager.modelWorkload(ToyPager.Flaws.NONE, 6);
    correct.exploreCycles(CrashExplorer.of("correct toy, crash after crash", correct, correct.check()).withSeed(SEED), 3);

    ModelWorkload<Long, ToyPager.Target> flawed = ToyPager.modelWorkload(ToyPager.Flaws.repairingOnOpenUnsafely(), 6);
    CrashExplorer<Long> explorer = CrashExplorer.of("toy repairing on open", flawed, flawed.check()).withSeed(SEED);
    explorer.explore().assertNoViolations();
    assertThatThrownBy(() -> flawed.exploreCycles(explorer.quietly(), 2))
        .isInstanceOf(CrashViolation.class)
        .hasMessageContaining("toy repairing on open, cycle 2 from point")
        .hasMessageContaining("is corrupt or not generation")
        .hasMessageContaining("replay")
        .satisfies(thrown -> ExpectedFinding.caught("toy repairing on open, crash after crash", ((CrashViolation) thrown).reports()));
  }

  @Test
  void aFileOpenedFromItsAlternateRecoversAgainWhenItsFirstCommitsAreCrashed() throws Exception {
    Committed committed = threeCommits();
    byte[] image = committed.image();
    // The newest record's tree root rots: open falls back to the commit before.
    long root = newestRecordField(image, 32);
    image[(int) (root * PAGE + 100)] ^= 0x10;
    try (Pager pager = Pager.open(SimulatedStorage.builder().buildFrom(image), OPTIONS)) {
      assertThat(pager.openedFromAlternate()).isTrue();
      assertThat(PagerState.read(pager).sameAllocation(committed.beforeLast())).isTrue();
    }
    PagerCheck.crashingRecovery(OPTIONS, 4)
        .check(SimulatedStorage.builder().buildFrom(image), new CrashExpectation<>(committed.beforeLast(), null));
  }

  @Test
  void aFileWithADamagedSuperblockRecoversAgainWhenTheCommitThatRewritesItIsCrashed() throws Exception {
    Committed committed = threeCommits();
    byte[] image = committed.image();
    image[12] ^= 0x01; // the superblock's page size (FORMAT.md, "Superblock"); records repeat it
    try (Pager pager = Pager.open(SimulatedStorage.builder().buildFrom(image), OPTIONS)) {
      assertThat(pager.superblockRecovered()).isTrue();
    }
    PagerCheck.crashingRecovery(OPTIONS, 4)
        .check(SimulatedStorage.builder().buildFrom(image), new CrashExpectation<>(committed.last(), null));
  }

  /** A closed file after three commits, and the states after the last two. */
  private record Committed(byte[] image, PagerState beforeLast, PagerState last) {}

  private static Committed threeCommits() throws IOException {
    SimulatedStorage storage = SimulatedStorage.builder().build();
    PagerState beforeLast;
    PagerState last;
    try (Pager pager = Pager.create(storage, OPTIONS)) {
      PageId first = pager.alloc();
      pager.allocBulk(5);
      beforeLast = PagerState.read(pager);
      pager.free(first);
      last = PagerState.read(pager);
    }
    return new Committed(storage.durableImage(), beforeLast, last);
  }

  /** A field of the record with the higher generation (FORMAT.md, "Metadata record"). */
  private static long newestRecordField(byte[] image, int offset) {
    MemorySegment file = MemorySegment.ofArray(image);
    long a = file.get(U64, PAGE + 8);
    long b = file.get(U64, 2L * PAGE + 8);
    return file.get(U64, (a > b ? PAGE : 2L * PAGE) + offset);
  }
}
