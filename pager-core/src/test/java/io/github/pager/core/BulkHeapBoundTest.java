package io.github.pager.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A million pages allocated and freed in one call each fit in a small heap: the bulk calls keep
 * no per-page structure beyond the caller's own list of handles (issue 12 asks for under 64 MiB
 * of heap beyond the pages' mapping). A real child JVM with a capped heap, since an in-process
 * measurement of heap growth is at the mercy of the collector.
 */
class BulkHeapBoundTest {
  /** The child's whole heap: the caller's million handles (about 28 MiB) and the pager's work. */
  private static final String HEAP = "-Xmx64m";

  @TempDir Path dir;

  @Test
  void allocBulkAndFreeBulkOfAMillionPagesRunInA64MiBHeap() throws Exception {
    Process child = child(dir.resolve("million.pages"), 1_000_000).start();
    String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(child.waitFor(120, TimeUnit.SECONDS)).as("child exited").isTrue();
    assertThat(child.exitValue()).as("child exit code; it printed: " + out).isZero();
    assertThat(out).contains("allocated 1000000");
  }

  private static ProcessBuilder child(Path path, int count) {
    return TestJvms.java(List.of(HEAP), BulkMillionMain.class, path.toString(), Integer.toString(count))
        .redirectErrorStream(true);
  }

}
