package io.github.pager.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pager.core.CompactionInProgressException;
import io.github.pager.core.ReaderTableFullException;
import org.junit.jupiter.api.Test;

/** How failures that mean "the file is busy, try again" reach a script. */
class FailuresTest {
  @Test
  void aReaderRefusedBecauseCompactionRunsIsReportedAsLockedNotAsAnIoError() {
    CompactionInProgressException busy = new CompactionInProgressException("data.db: a compaction runs");

    assertThat(Failures.exitCode(busy)).isEqualTo(ExitCode.LOCKED);
    assertThat(Failures.kind(busy)).isEqualTo("locked");
  }

  @Test
  void aReaderTableFullOfLiveReadersIsReportedAsLockedToo() {
    ReaderTableFullException full = new ReaderTableFullException("data.db: 126 readers");

    assertThat(Failures.exitCode(full)).isEqualTo(ExitCode.LOCKED);
    assertThat(Failures.kind(full)).isEqualTo("locked");
  }
}
