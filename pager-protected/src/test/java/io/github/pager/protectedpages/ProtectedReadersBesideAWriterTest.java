package io.github.pager.protectedpages;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pager.core.Durability;
import io.github.pager.testkit.CrashExplorer;
import io.github.pager.testkit.process.ChildJvm;
import io.github.pager.testkit.process.ReadersBesideWriter;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Read-only opens of a file whose protected pages a writer in another JVM keeps rewriting: each
 * open must show exactly one acknowledged commit, every protected page at the version that commit
 * gave it and with the bytes of that version, never report damage that is not there
 * ({@link ProtectedPageCorruptException}, a structure of the wrong kind under the directory's
 * slots), never fall back to the alternate copy, and never meet a stale view ({@link
 * io.github.pager.core.StaleViewException}): the readers register in the file's reader table,
 * which keeps the pages their commit reaches from being handed out again, and while a reader of
 * an older commit lives the writer stages protected writes into fresh pages rather than into the
 * inactive copy that reader may read. See {@link ReadersBesideWriter}.
 *
 * <p>Runs about 5 s per durability mode; a minute each with {@code -Dpager.soak=true}.
 */
class ProtectedReadersBesideAWriterTest {
  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(Durability.class)
  void everyReadOnlyOpenShowsOneAcknowledgedCommitOfProtectedPages(Durability durability) throws Exception {
    long seed = CrashExplorer.defaultSeed();
    Path file = dir.resolve("protected.pages");
    Duration duration = Duration.ofSeconds(CrashExplorer.soak() ? 60 : 5);
    ReadersBesideWriter.Outcome outcome;
    try (ChildJvm writer = ChildJvm.start(ProtectedWriterMain.class, dir.resolve("writer.out"),
        file.toString(), Long.toString(seed), durability.name())) {
      outcome = ReadersBesideWriter.run(writer, file, ProtectedWriterMain.OPTIONS,
          pager -> ProtectedWriterMain.render(pager, ProtectedPageAllocator.open(pager, ProtectedWriterMain.BASE_SLOT), seed),
          duration);
    }
    System.out.printf("[protected readers] %s: %s, seed %d%n", durability, outcome, seed);
    outcome.assertNoFailures("seed " + seed + " (-Dpager.seed=" + seed + "), " + durability);
    assertThat(outcome.stale()).as("reads of a registered reader that met a rewritten copy").isZero();
  }
}
