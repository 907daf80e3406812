package io.github.pager.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bytes on disk against the apparent size, and the sentence that says why they differ. */
class DiskUsageTest {
  @TempDir Path dir;

  @Test
  void eachCaseHasItsOwnSentence() {
    assertThat(new DiskUsage(8192, OptionalLong.of(4096), 8192).explanation()).startsWith("sparse: 4,096 bytes are holes");
    assertThat(new DiskUsage(8192, OptionalLong.of(12288), 8192).explanation())
        .startsWith("the file system counts 4,096 bytes more than the length");
    assertThat(new DiskUsage(8192, OptionalLong.of(8192), 8192).explanation()).startsWith("every byte of the file has its block");
    assertThat(new DiskUsage(8192, OptionalLong.empty(), 8192).explanation()).startsWith("bytes on disk unknown");
    assertThat(new DiskUsage(8192, OptionalLong.empty(), 8192).toJson().get("bytesOnDisk")).as("null in JSON").isEqualTo(OptionalLong.empty());
    assertThat(new DiskUsage(12288, OptionalLong.empty(), 8192).tail()).startsWith("4,096 bytes lie past the last page");
    assertThat(new DiskUsage(8192, OptionalLong.empty(), 8192).tail()).isEqualTo("the file ends at the last page");
  }

  @Test
  void statsCallsASparsePagerFileSparse() throws IOException {
    Path file = dir.resolve("sparse.pages");
    try (Pager pager = Pager.create(file, PagerOptions.defaults().withSparse(true).withInitialPageCount(4096))) {
      pager.alloc();
    }
    JsonNode size = CommandRun.of("stats", "--json", file.toString()).result().get("size");
    assumeThat(size.get("bytesOnDisk").isNumber()).as("stat(1) tells the blocks here").isTrue();
    assertThat(size.get("apparentBytes").asLong()).isEqualTo(4096L * 4096);
    assertThat(size.get("bytesOnDisk").asLong()).isLessThan(size.get("apparentBytes").asLong());
    assertThat(size.get("why").asText()).startsWith("sparse: ");
  }
}
