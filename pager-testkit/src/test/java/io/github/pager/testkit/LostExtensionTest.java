package io.github.pager.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.TruncatedPageFileException;
import io.github.pager.core.NotAPageFileException;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * What the pager does when the file system loses a file's new length while the writes after it
 * are durable ({@link FaultPlan#losingExtension}): the record of the commit that grew the file
 * counts pages the file no longer has. Open refuses the file as truncated, naming both sizes,
 * and writes nothing; it does not quietly open the older record, which would drop acknowledged
 * commits without a word.
 */
class LostExtensionTest {
  private static final PagerOptions OPTIONS = PagerOptions.defaults().withInitialPageCount(16);

  @Test
  void aLostExtensionLeavesAFileThatIsRefusedAsTruncated() throws IOException {
    // Growth calls come in pairs (extend, then reserve the new blocks): 0-1 create the file of
    // 16 pages, 2-3 and 4-5 double it to 64 pages, 6 is the extend to 128 pages.
    SimulatedStorage storage = SimulatedStorage.builder().faults(FaultPlan.none().losingExtension(6)).build();
    Pager writer = Pager.create(storage, OPTIONS);
    writer.allocBulk(40);
    long before = storage.size();
    assertThat(before).isEqualTo(64L * PagerOptions.DEFAULT_PAGE_SIZE);
    assertThat(storage.faultsFired()).isZero();
    writer.allocBulk(40);
    assertThat(storage.faultsFired()).isEqualTo(1);
    assertThat(storage.size()).as("the process sees the longer file").isGreaterThan(before);
    long counted = writer.pageCount();

    // Not closed: the power goes out under it.
    SimulatedStorage rebooted = storage.reboot();
    assertThat(rebooted.size()).as("the disk kept the old length").isEqualTo(before);
    byte[] image = rebooted.durableImage();
    assertThatThrownBy(() -> Pager.open(rebooted, OPTIONS))
        .isInstanceOf(TruncatedPageFileException.class)
        .hasMessageContaining(counted + " pages")
        .hasMessageContaining(before + " bytes");
    assertThat(rebooted.durableImage()).as("a refused file is not written to").isEqualTo(image);
  }

  @Test
  void aLaterExtensionMakesTheLengthDurableAgain() throws IOException {
    // Growth 6 (to 128 pages) loses its length; growth 8 (to 256 pages) makes it all durable.
    SimulatedStorage storage = SimulatedStorage.builder().faults(FaultPlan.none().losingExtension(6)).build();
    Pager writer = Pager.create(storage, OPTIONS);
    writer.allocBulk(40);
    writer.allocBulk(40);
    writer.allocBulk(60);
    assertThat(storage.faultsFired()).isEqualTo(1);
    long size = storage.size();
    assertThat(size).isEqualTo(256L * PagerOptions.DEFAULT_PAGE_SIZE);
    try (Pager pager = Pager.open(storage.reboot(), OPTIONS)) {
      assertThat(pager.allocatedPages()).hasSize(140);
      assertThat(pager.pageCount() * pager.pageSize()).isLessThanOrEqualTo(size);
      assertThat(pager.verify().problems()).isEmpty();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // A structure that trusts the length the file system reports is caught

  /**
   * A log of 64-bit records on raw storage: page 0 holds the record count, records follow from
   * byte 4096, and the file grows by 4 KiB when full. An append grows the file if it must, writes
   * the record, syncs everything, then writes the count and syncs page 0. The correct log refuses
   * a file shorter than its count says; the flawed one trusts the file's length and reads only the
   * records that fit, dropping acknowledged ones without a word.
   */
  private static final class LengthLog implements CrashTarget<List<Long>> {
    private static final int PAGE = 4096;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;
    private final boolean trustsTheFileLength;
    private @Nullable SimulatedStorage storage;
    private long count;

    LengthLog(boolean trustsTheFileLength) {
      this.trustsTheFileLength = trustsTheFileLength;
    }

    private SimulatedStorage storage() {
      return Objects.requireNonNull(storage, "the log is not open");
    }

    @Override
    public List<Long> emptyState() {
      return List.of();
    }

    @Override
    public List<Long> create(SimulatedStorage created) throws IOException {
      created.extend(PAGE);
      created.syncAll();
      storage = created;
      count = 0;
      return List.of();
    }

    @Override
    public void open(SimulatedStorage opened) throws IOException {
      if (opened.size() < PAGE) {
        opened.close();
        throw new NotAPageFileException("not a log: " + opened.size() + " bytes");
      }
      long counted = opened.map(0, PAGE).get(U64, 0);
      long fits = (opened.size() - PAGE) / 8;
      if (counted > fits && !trustsTheFileLength) {
        opened.close();
        throw new TruncatedPageFileException(
            "the log counts " + counted + " records, the file of " + opened.size() + " bytes holds " + fits);
      }
      storage = opened;
      count = Math.min(counted, fits); // the flaw, when the count does not fit: believe the file system
    }

    void append(long value) throws IOException {
      SimulatedStorage file = storage();
      long end = PAGE + (count + 1) * 8;
      if (end > file.size()) {
        file.extend(file.size() + PAGE);
      }
      file.map(PAGE + count * 8, 8).set(U64, 0, value);
      file.syncAll();
      file.map(0, PAGE).set(U64, 0, count + 1);
      file.sync(0, PAGE);
      count++;
    }

    @Override
    public List<Long> recover(CrashExpectation<List<Long>> expected) throws IOException {
      SimulatedStorage file = storage();
      List<Long> records = new ArrayList<>();
      for (long i = 0; i < count; i++) {
        records.add(file.map(PAGE + i * 8, 8).get(U64, 0));
      }
      return expected.require(List.copyOf(records));
    }

    @Override
    public void close() {
      SimulatedStorage open = storage;
      storage = null;
      if (open != null) {
        open.close();
      }
    }

    @Override
    public void abandon() {
      storage = null;
    }
  }

  private static ModelWorkload<List<Long>, LengthLog> lengthLog(boolean trustsTheFileLength) {
    CrashOperation<List<Long>, LengthLog> append = (log, records, step) -> {
      List<Long> next = new ArrayList<>(records);
      next.add(step.random().nextLong());
      step.inFlight(List.copyOf(next));
      log.append(next.getLast());
      return List.copyOf(next);
    };
    // 600 records of 8 bytes need two growths past the first page: the second one is lost.
    return ModelWorkload.of(() -> new LengthLog(trustsTheFileLength), 600, List.of(append));
  }

  @Test
  void aStructureThatTrustsTheFileLengthLosesAcknowledgedRecordsAndIsCaught() {
    FaultPlan secondGrowthLost = FaultPlan.none().losingExtension(2);
    ModelWorkload<List<Long>, LengthLog> flawed = lengthLog(true);
    CrashExploration caught = CrashExplorer.of("log trusting the file length", flawed, flawed.check())
        .withSeed(SEED)
        .withRandomImages(0)
        .withFaults(secondGrowthLost)
        .quietly()
        .explore();
    assertThat(caught.faultsFired()).isEqualTo(1);
    assertThat(caught.violations()).isNotEmpty();
    assertThat(caught.violations().getFirst().failure())
        .hasMessageContaining("recovered a state that is neither the acknowledged one nor the one in flight")
        .hasMessageContaining("missing");
    ExpectedFinding.caught(caught);

    // The correct log detects it: every crash state past the lost growth is refused as truncated,
    // which the standard check counts as a file that no longer opens, never as other data.
    ModelWorkload<List<Long>, LengthLog> correct = lengthLog(false);
    CrashExploration refused = CrashExplorer.of("log checking its length", correct, correct.check())
        .withSeed(SEED)
        .withRandomImages(0)
        .withFaults(secondGrowthLost)
        .quietly()
        .explore();
    assertThat(refused.violations()).isNotEmpty().allSatisfy(violation -> assertThat(violation.failure())
        .hasMessageContaining("no longer opens")
        .hasRootCauseInstanceOf(TruncatedPageFileException.class));
    ExpectedFinding.caught(refused);
  }

  private static final long SEED = CrashExplorer.defaultSeed();
}
