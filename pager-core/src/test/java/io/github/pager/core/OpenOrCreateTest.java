package io.github.pager.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Pager#openOrCreate}: what a process calls at every start. */
class OpenOrCreateTest {
  private static final PagerOptions OPTIONS = PagerOptions.defaults().withPageSize(1024).withInitialPageCount(64);

  @TempDir Path dir;

  @Test
  void createsAMissingFileAndOpensItAtTheNextStart() throws IOException {
    Path path = dir.resolve("pages.db");
    long page;
    try (Pager pager = Pager.openOrCreate(path, OPTIONS)) {
      assertThat(pager.pageSize()).isEqualTo(1024);
      assertThat(pager.pageCount()).isEqualTo(64);
      page = pager.alloc().index();
    }
    try (Pager pager = Pager.openOrCreate(path, OPTIONS)) {
      assertThat(pager.allocatedPages()).extracting(PageId::index).containsExactly(page);
    }
  }

  @Test
  void readOnlyNeverCreates() {
    Path path = dir.resolve("pages.db");
    assertThatThrownBy(() -> Pager.openOrCreate(path, OPTIONS.withReadOnly(true)))
        .isInstanceOf(NoSuchFileException.class);
    assertThat(path).doesNotExist();
  }

  @Test
  void aFileThatIsNotAPageFileIsRefusedAndLeftAsItWas() throws IOException {
    Path path = dir.resolve("notes.txt");
    byte[] content = "not a page file".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    Files.write(path, content);
    assertThatThrownBy(() -> Pager.openOrCreate(path, OPTIONS)).isInstanceOf(NotAPageFileException.class);
    assertThat(Files.readAllBytes(path)).isEqualTo(content);
  }

  @Test
  void anotherPageSizeIsRefusedNotRecreated() throws IOException {
    Path path = dir.resolve("pages.db");
    Pager.openOrCreate(path, OPTIONS).close();
    assertThatThrownBy(() -> Pager.openOrCreate(path, OPTIONS.withPageSize(4096)))
        .isInstanceOf(PageSizeMismatchException.class);
    try (Pager pager = Pager.open(path)) {
      assertThat(pager.pageSize()).isEqualTo(1024);
    }
  }
}
