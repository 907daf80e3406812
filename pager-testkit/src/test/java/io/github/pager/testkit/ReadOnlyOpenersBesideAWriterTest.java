package io.github.pager.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pager.core.Durability;
import io.github.pager.testkit.process.ChildJvm;
import io.github.pager.testkit.process.ReadersBesideWriter;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Read-only opens of a file that a writer in another JVM is committing to: each must show
 * exactly one acknowledged commit (allocation, roots, a bitmap and an array of several levels,
 * the page count of a growing file), never report damage that is not there, and never fall back
 * to the alternate copy. Each read-only pager registers the commit it opened in the file's reader
 * table, so the writer reuses none of its pages and no read after the open may report {@link
 * io.github.pager.core.StaleViewException} either (before readers registered, such reads were
 * counted, not failed). See {@link ReadersBesideWriter}.
 *
 * <p>Runs about 5 s per durability mode; a minute each with {@code -Dpager.soak=true}.
 */
class ReadOnlyOpenersBesideAWriterTest {
  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(Durability.class)
  void everyReadOnlyOpenShowsOneAcknowledgedCommit(Durability durability) throws Exception {
    long seed = CrashExplorer.defaultSeed();
    Path file = dir.resolve("written.pages");
    Duration duration = Duration.ofSeconds(CrashExplorer.soak() ? 60 : 5);
    long[] recordIndexes = StructuresWriterMain.recordIndexes(seed);
    ReadersBesideWriter.Outcome outcome;
    try (ChildJvm writer = ChildJvm.start(StructuresWriterMain.class, dir.resolve("writer.out"),
        file.toString(), Long.toString(seed), durability.name())) {
      outcome = ReadersBesideWriter.run(writer, file, StructuresWriterMain.OPTIONS,
          pager -> StructuresWriterMain.render(pager, recordIndexes), duration);
    }
    System.out.printf("[readers] %s: %s, seed %d%n", durability, outcome, seed);
    outcome.assertNoFailures("seed " + seed + " (-Dpager.seed=" + seed + "), " + durability);
    assertThat(outcome.stale()).as("reads of a registered reader that met a reused page").isZero();
  }
}
