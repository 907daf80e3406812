package io.github.pager.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.TruncatedPageFileException;
import java.io.IOException;
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
}
